//! The Terraform platform passes the conformance kit, and its codes'
//! examples give the reports they document.

use datasurface_terraform::Terraform;

/// A small model this platform renders: its codes' examples edit it.
const BASE: &str = r#"apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Shop
owningRepository: {name: acme/shop, branch: main}
liveRepository: {name: acme/shop, branch: live}
platforms:
  Lake: {kind: terraform, version: ^0.1, parameters: {region: eu-west-1}}
zoneDeclarations:
  Z: {repository: {name: acme/shop, branch: main}}
zones:
  Z:
    teamDeclarations:
      T: {repository: {name: acme/shop, branch: main}}
    teams:
      T:
        containers:
          Shop DB: {kind: {database: {engine: POSTGRES, database: shop}}}
        datastores:
          Shop:
            capture:
              ingestion:
                container: Shop DB
                consistency: MULTI_DATASET
                trigger: {cron: "*/15 * * * *"}
                method: {sqlSnapshot: {}}
            datasets:
              items:
                classifications: [PUB]
                schema:
                  columns: {id: {type: Integer, nullable: false}}
                  primaryKey: [id]
        workspaces:
          Reports:
            container: Shop DB
            datasetGroups:
              Main:
                sinks: [{datastore: Shop, dataset: items}]
                requirements: {milestoning: LIVE_ONLY, latency: HOURS}
assignments:
  - {workspace: Reports, datasetGroup: Main, platforms: [{platform: Lake, status: PROVISIONED}]}
"#;

#[test]
fn the_platform_conforms() {
    let report = datasurface_testkit::Conformance::new(&Terraform)
        .with_example_base(BASE)
        .run();
    println!("{report}");
    report.assert_passes();
}

#[test]
fn its_code_examples_give_their_findings() {
    let failures = datasurface_testkit::check_code_examples(std::sync::Arc::new(Terraform), BASE);
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", text.join("\n"));
}
