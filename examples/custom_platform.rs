//! The dbt platform of `examples/src/dbt.rs` against the conformance suite,
//! as every third-party platform runs it. Run it with
//! `cargo run -p datasurface-examples --example custom_platform`.

#![allow(clippy::print_stdout, reason = "it prints its report")]

use datasurface_examples::dbt::Dbt;

fn main() {
    let report = datasurface_testkit::Conformance::new(&Dbt)
        .without_own_codes()
        .run();
    print!("{report}");
    std::process::exit(i32::from(!report.passed()));
}

#[test]
fn the_dbt_platform_conforms() {
    datasurface_testkit::Conformance::new(&Dbt)
        .without_own_codes()
        .assert_passes();
}

/// A small model that a `dbt` platform delivers.
#[cfg(test)]
const MODEL: &str = "apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Shop
owningRepository: {name: acme/shop, branch: main}
liveRepository: {name: acme/shop, branch: live}
platforms:
  Warehouse Models:
    kind: dbt
    version: ^1
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
          Mart: {kind: {database: {engine: POSTGRES, database: mart}}}
        datastores:
          Shop:
            capture:
              ingestion:
                container: Shop DB
                consistency: MULTI_DATASET
                method: {sqlSnapshot: {}}
            datasets:
              items:
                classifications: [PUB]
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                  primaryKey: [id]
        workspaces:
          Reports:
            container: Mart
            datasetGroups:
              Main:
                sinks: [{datastore: Shop, dataset: items}]
                requirements: {milestoning: LIVE_ONLY, latency: HOURS}
assignments:
  - workspace: Reports
    datasetGroup: Main
    platforms: [{platform: Warehouse Models, status: PROVISIONED}]
";

#[test]
fn the_dbt_platform_gets_the_whole_command_line() {
    let dir = std::env::temp_dir().join(format!("datasurface-dbt-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let model = dir.join("shop.yaml");
    std::fs::write(&model, MODEL).expect("the model is written");
    let cli = datasurface_cli::Datasurface::new().with_platform(Dbt);
    let run = |args: &[&str]| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let outcome = cli.run(
            std::iter::once("datasurface").chain(args.iter().copied()),
            &mut out,
            &mut err,
        );
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap_or_default();
        (outcome, text(out), text(err))
    };
    let shown = model.display().to_string();
    let (outcome, out, err) = run(&["check", &shown]);
    assert_eq!(outcome, datasurface_cli::Outcome::Success, "{out}{err}");
    let rendered = dir.join("rendered").display().to_string();
    let (outcome, out, err) = run(&["render", &shown, "--out", &rendered]);
    assert_eq!(outcome, datasurface_cli::Outcome::Success, "{out}{err}");
    assert!(
        out.contains("rendered 2 artifacts of platform `Warehouse Models`"),
        "{out}"
    );
    // Without the platform registered, the gate refuses the model.
    let bare = datasurface_cli::Datasurface::new();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = bare.run(["datasurface", "check", &shown], &mut out, &mut err);
    assert_eq!(outcome, datasurface_cli::Outcome::ModelErrors);
    assert!(String::from_utf8_lossy(&err).contains("error[unknown-platform-kind]"));
    let _ = std::fs::remove_dir_all(&dir);
}
