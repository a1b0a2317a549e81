//! Mirrors: a store another platform ingests (`primaryIngestionPlatforms`).
//! Reading another `spark` or `airflow` platform's tables runs on real
//! Spark in the command line's tests (`job spark`); here, what `check`
//! refuses and what a mirror's job spec says.

use std::path::Path;

use datasurface_files::SourceFile;
use datasurface_platform::RenderFailure;

/// The model of [`crate::engine::model`] with platform `primary` declared
/// (`declaration`, as YAML under its name) as `Shop`'s primary, and `Lake`
/// given `parameters` (YAML, with the warehouse).
fn mirrored(primary: &str, declaration: &str, lake: Option<&str>) -> Vec<SourceFile> {
    let mut files = crate::engine::model("shop", Path::new("/srv/warehouse"));
    let ecosystem = files
        .iter_mut()
        .find(|f| f.path.ends_with("ecosystem.yaml"))
        .unwrap();
    let mut text = ecosystem.text.replace(
        "zoneDeclarations:",
        &format!("  {primary}:\n{declaration}zoneDeclarations:"),
    ) + &format!("primaryIngestionPlatforms:\n  Shop: [{primary}]\n");
    if let Some(lake) = lake {
        text = text.replace(
            "parameters: {warehouse: \"/srv/warehouse\",",
            &format!("parameters: {{warehouse: \"/srv/warehouse\", {lake},"),
        );
        assert!(text.contains(lake), "{text}");
    }
    *ecosystem = SourceFile::new(ecosystem.path.clone(), text);
    files
}

/// `Lake`'s rendering of `files`, or its findings (code, path, message).
fn rendered(
    files: &[SourceFile],
) -> Result<datasurface_platform::Rendering, Vec<(&'static str, String, String)>> {
    let (valid, own) = crate::gated(files);
    let graphs = datasurface_platform::graph::build(&valid);
    let name = valid.platforms.get_key_value("Lake").unwrap().0;
    match datasurface_platform::render_with(&datasurface_spark::Spark::new(), &valid, &graphs, name)
    {
        Ok(r) => {
            let mut rendering = r.rendering;
            crate::past_the_gate(&mut rendering, own);
            Ok(rendering)
        }
        Err(RenderFailure::Refused { report, .. }) => Err(report
            .diagnostics()
            .iter()
            .map(|d| (d.code, d.path.to_string(), d.message.clone()))
            .collect()),
        Err(e) => panic!("{e}"),
    }
}

const AIRFLOW: &str = "    kind: airflow\n    version: ^0.1\n    \
                       parameters: {executor: local, schema: central, mergeHost: merge.internal, mergePort: 5433, mergeDatabase: lake}\n";

/// A store whose primary is neither a `spark` nor an `airflow` platform
/// could never be mirrored: refused where `primaryIngestionPlatforms` names it.
#[test]
fn a_mirror_of_a_primary_of_another_kind_is_refused() {
    let files = mirrored("Local", "    kind: sqlite\n    version: ^0.1\n", None);
    assert_eq!(
        rendered(&files).err(),
        Some(vec![(
            "unsupported-by-platform",
            "/primaryIngestionPlatforms/Shop".to_owned(),
            "platform `Lake` would mirror `Shop` from platform `Local` (kind `sqlite`), and it reads the tables of a `spark` or `airflow` primary only".to_owned()
        )])
    );
}

/// An `airflow` primary is read with a credential the ecosystem's owners
/// map in `primaries`: without one, or when its merge database is a
/// socket JDBC cannot reach, the mirror is refused before it renders.
#[test]
fn an_airflow_primary_needs_a_credential_and_a_host() {
    let unmapped = rendered(&mirrored("Central", AIRFLOW, None)).err();
    assert_eq!(
        unmapped,
        Some(vec![(
            "unsupported-by-platform",
            "/platforms/Lake/parameters".to_owned(),
            "platform `Lake` mirrors `Shop` from platform `Central`, whose merge tables it has no credential to read".to_owned()
        )])
    );
    let socket = AIRFLOW.replace("merge.internal", "/var/run/postgresql");
    let lake = "primaries: {Central: {credential: lake_reader}}";
    assert_eq!(
        rendered(&mirrored("Central", &socket, Some(lake))).err(),
        Some(vec![(
            "unsupported-by-platform",
            "/platforms/Central/parameters".to_owned(),
            "platform `Lake` mirrors `Shop` from platform `Central`, whose merge database is at `/var/run/postgresql`: JDBC reaches a host name or IP address only".to_owned()
        )])
    );
    // A credential that is not a credential's name is the parameter's fault.
    let bad = "primaries: {Central: {credential: \"no such\"}}";
    let found = rendered(&mirrored("Central", AIRFLOW, Some(bad))).unwrap_err();
    assert!(
        found
            .iter()
            .any(|(code, path, _)| *code == "invalid-platform-parameter"
                && path == "/platforms/Lake/parameters/primaries"),
        "{found:#?}"
    );
}

/// A mirror of an `airflow` primary reads the live rows of its merge
/// tables over JDBC, as of the last batch it merged, with the credential
/// mapped; its lineage names the primary's tables as that platform does.
#[test]
fn a_mirror_of_an_airflow_primary_reads_its_merge_tables() {
    let lake = "primaries: {Central: {credential: lake_reader}}";
    let rendering = rendered(&mirrored("Central", AIRFLOW, Some(lake))).unwrap();
    let spec: serde_json::Value = serde_json::from_str(
        &rendering.artifacts[&datasurface_spark::ingest_key("Shop", None)].content,
    )
    .unwrap();
    assert_eq!(
        spec["source"],
        serde_json::json!({"airflowPrimary": {
            "platform": "Central",
            "url": "jdbc:postgresql://merge.internal:5433/lake",
            "driver": "org.postgresql.Driver",
            "userVariable": "DATASURFACE_CREDENTIAL_LAKE_READER_USER",
            "passwordVariable": "DATASURFACE_CREDENTIAL_LAKE_READER_PASSWORD",
            "lastBatch": datasurface_airflow::mirrored::last_merged_batch("central", "Shop"),
        }})
    );
    assert_eq!(
        spec["datasets"][0]["sourceTable"],
        "(SELECT \"id\", \"name\", \"qty\" FROM \"central\".\"shop_items_merge\" WHERE \"ds_surf_batch_out\" = 2147483647) AS \"live\""
    );
    let spec: datasurface_spark::spec::IngestSpec = serde_json::from_value(spec).unwrap();
    let input = &spec.lineage.as_ref().unwrap().inputs[0];
    let places =
        datasurface_spark::lineage::Places::new(Some(&spec.source), "/srv/warehouse", "w1");
    assert_eq!(
        datasurface_runtime::lineage::Namespaces::locate(&places, &input.place, &input.table),
        (
            "postgres://merge.internal:5433".to_owned(),
            "lake.central.shop_items_merge".to_owned()
        )
    );
}

/// The credential a mirror reads a primary with is the platform's own: a
/// team's capture that names it is refused.
#[test]
fn the_credential_that_reads_a_primary_is_the_platform_s_own() {
    use datasurface_platform::DataPlatform;
    let declaration: datasurface_core::PlatformDeclaration =
        serde_json::from_value(serde_json::json!({
            "kind": "spark", "version": "^0.1",
            "parameters": {"primaries": {"Central": {"credential": "lake_reader"}}}
        }))
        .unwrap();
    let claimed: Vec<(String, Vec<String>)> = datasurface_spark::Spark::new()
        .resources(&declaration)
        .credentials
        .iter()
        .map(|c| (c.name.to_string(), c.parameter.clone()))
        .collect();
    assert_eq!(
        claimed,
        [(
            "lake_reader".to_owned(),
            vec![
                "primaries".to_owned(),
                "Central".to_owned(),
                "credential".to_owned()
            ]
        )]
    );
}
