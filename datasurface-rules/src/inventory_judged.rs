//! The authority checks judge every resource the model names: what the one
//! walk derived from the types finds (`datasurface_core::inventory`) is
//! what the checks enumerate. A field that gains a resource kind the checks
//! judge (credential, container, file, database, drop file) fails here
//! until the checks see it; a field that names a resource without saying so
//! fails `every_field_that_may_name_a_resource_says_what_it_names`.

use datasurface_core::diagnostic::ModelPath;
use datasurface_core::inventory::{Classifier, ResourceKind, ResourceRef, inventory};
use datasurface_core::resources::{drop_files, file_claims};

use crate::validate::Context;

/// A model that names a resource in every field the checks judge.
const EVERY_RESOURCE: &str = r#"
apiVersion: datasurface.dev/v1
kind: Ecosystem
name: E
owningRepository: {name: e/eco, branch: main}
liveRepository: {name: e/eco, branch: live}
credentials:
  eco_cred: {}
platforms:
  Local: {kind: sqlite, version: ^0.1, parameters: {sources: {Src: data/src.sqlite}}}
environments:
  dev:
    release: {branch: main}
    platforms: {Local: {}}
    containers:
      Src: {database: {engine: SQLITE, database: dev/src.sqlite}}
zoneDeclarations:
  Z: {repository: {name: e/z, branch: main}}
zones:
  Z:
    credentials:
      zone_cred: {}
    storagePolicies:
      Here: {containers: {allowed: [Src], denied: [Lake]}}
    teamDeclarations:
      A: {repository: {name: e/a, branch: main}}
    teams:
      A:
        credentials:
          team_cred: {}
        containers:
          Src:
            kind: {database: {engine: SQLITE, database: data/src.sqlite}}
          Drops:
            kind: {objectStorage: {bucket: drops, endpoint: "https://s3.example"}}
          Stream:
            kind: {kafka: {bootstrapServers: [{host: kafka.example, port: 9093}], caCertificate: kafka_ca}}
          Lake:
            kind: {lakehouse: {format: ICEBERG, catalog: glue, storage: {bucket: lake}}}
            serverSideEncryption: {name: KMS, keyContainer: lake-key}
        datastores:
          Orders:
            capture:
              ingestion:
                container: Src
                consistency: MULTI_DATASET
                credential: {name: team_cred, type: USER_PASSWORD}
                method: {sqlSnapshot: {tables: {orders: orders}}}
            datasets:
              orders:
                classifications: [PUB]
                schema:
                  columns: {id: {type: Integer, nullable: false}}
                  primaryKey: [id]
          Dropped:
            capture:
              ingestion:
                container: Drops
                consistency: MULTI_DATASET
                method: {fileDrop: {format: CSV, files: {rows: "rows-*.csv"}}}
            datasets:
              rows:
                classifications: [PUB]
                schema:
                  avro:
                    file: {path: zones/z/a/rows.avsc, sha256: "0000000000000000000000000000000000000000000000000000000000000000"}
                  primaryKey: [id]
          Events:
            capture:
              ingestion:
                container: Stream
                consistency: MULTI_DATASET
                method: {kafka: {topics: {events: events.v1}}}
            datasets:
              events:
                classifications: [PUB]
                schema:
                  columns: {id: {type: Integer, nullable: false}}
                  primaryKey: [id]
        workspaces:
          Reads:
            container: Src
            datasetGroups: {G: {sinks: [{datastore: Orders, dataset: orders}]}}
            hook:
              module: hooks/a.wasm
              sha256: "0000000000000000000000000000000000000000000000000000000000000000"
              events: [batchCommitted]
          Code:
            datasetGroups: {G: {sinks: [{datastore: Orders, dataset: orders}]}}
            transformer:
              outputDatastore: Out
              code:
                pythonRepo:
                  repository: {name: a/code, branch: main, credential: git_cred}
                  version: v1
"#;

/// The kinds whose every use the authority checks judge.
const JUDGED: [ResourceKind; 5] = [
    ResourceKind::Credential,
    ResourceKind::Container,
    ResourceKind::File,
    ResourceKind::Database,
    ResourceKind::DropFile,
];

fn model() -> datasurface_core::Ecosystem {
    datasurface_files::from_yaml_str(EVERY_RESOURCE).unwrap_or_else(|e| panic!("{e:?}"))
}

/// Whether the authority checks judge `r`, by enumerating it where they
/// look: credential uses and declarations, container uses and definitions,
/// the files claimed (a `SQLITE` database's among them), the drop files.
fn judged(cx: &Context<'_>, claimed: &[ModelPath], drops: &[ModelPath], r: &ResourceRef) -> bool {
    let under_environment = r.path.to_string().starts_with("/environments/");
    match (r.kind, r.key) {
        (ResourceKind::Credential, false) => {
            cx.credentials().uses.iter().any(|u| u.path() == r.path)
        }
        (ResourceKind::Credential, true) => cx
            .credentials()
            .declared
            .iter()
            .any(|(name, all)| all.iter().any(|d| d.path(name) == r.path)),
        // A storage policy lists the containers data may be stored in; it
        // uses none (`storage-policy` judges the data's containers).
        (ResourceKind::Container, false) if r.field.0.starts_with("AllowDenyPolicy") => true,
        (ResourceKind::Container, false) => cx.container_uses().any(|u| u.path() == r.path),
        // A team's definition, or an environment's map of one (judged by
        // `environment-unknown-name` and, for a file, as a claim).
        (ResourceKind::Container, true) if under_environment => cx
            .index
            .container(
                &datasurface_core::names::ContainerName::new(r.name.as_str())
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .is_some(),
        (ResourceKind::Container, true) => cx
            .index
            .containers
            .values()
            .flatten()
            .any(|c| c.path("containers") == r.path),
        (ResourceKind::File, _) => claimed.contains(&r.path),
        (ResourceKind::Database, _) => {
            r.beside("engine") != Some("SQLITE") || claimed.contains(&r.path)
        }
        (ResourceKind::DropFile, _) => drops.contains(&r.path),
        _ => true,
    }
}

#[test]
fn every_resource_the_walk_finds_is_judged_by_the_authority_checks() {
    let eco = model();
    let cell = std::sync::OnceLock::new();
    let cx = Context::new(&eco, &cell);
    let claimed: Vec<ModelPath> = file_claims(&eco)
        .iter()
        .map(datasurface_core::resources::FileClaim::model_path)
        .collect();
    let drops: Vec<ModelPath> = drop_files(&eco).into_iter().map(|d| d.path).collect();
    let found = inventory(&eco);
    let unjudged: Vec<String> = found
        .iter()
        .filter(|r| JUDGED.contains(&r.kind) && !judged(&cx, &claimed, &drops, r))
        .map(|r| {
            format!(
                "{} `{}` at {} ({}.{})",
                r.kind, r.name, r.path, r.field.0, r.field.1
            )
        })
        .collect();
    assert!(
        unjudged.is_empty(),
        "the authority checks do not judge these resources the model names (resources.rs, \
         resource_not_granted.rs):\n{}",
        unjudged.join("\n")
    );
    // The model names a resource in every field of a judged kind: a field
    // that gains one is exercised here as soon as it is added.
    let seen: Vec<&(String, String)> = found.iter().map(|r| &r.field).collect();
    let missing: Vec<String> = Classifier::model()
        .fields()
        .into_iter()
        .filter(|(_, _, k)| {
            k.values.is_some_and(|v| JUDGED.contains(&v))
                || k.keys.is_some_and(|v| JUDGED.contains(&v))
        })
        .filter(|(t, f, _)| !seen.iter().any(|(st, sf)| st == t && sf == f))
        .map(|(t, f, _)| format!("{t}.{f}"))
        .collect();
    assert!(
        missing.is_empty(),
        "name a resource in these fields in `EVERY_RESOURCE`, so the checks are tried on them:\n{}",
        missing.join("\n")
    );
    // What the walk found, by kind: a change to it is a change to what the
    // model can name.
    let mut kinds: Vec<ResourceKind> = found.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 14, "{kinds:?}");
}
