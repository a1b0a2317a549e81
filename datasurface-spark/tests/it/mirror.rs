//! Mirrors: a store another platform ingests (`primaryIngestionPlatforms`).
//! Reading another `spark` platform's tables runs on real Spark in the
//! command line's tests (`job spark`); here, what `check` refuses.

use std::path::Path;

/// A store whose primary is not a `spark` platform could never be mirrored:
/// refused where `primaryIngestionPlatforms` names it.
#[test]
fn a_mirror_of_a_primary_of_another_kind_is_refused() {
    let mut files = crate::engine::model("shop", Path::new("/srv/warehouse"));
    let ecosystem = files
        .iter_mut()
        .find(|f| f.path.ends_with("ecosystem.yaml"))
        .unwrap();
    let text = ecosystem.text.replace(
        "zoneDeclarations:",
        "  Local:\n    kind: sqlite\n    version: ^0.1\nzoneDeclarations:",
    ) + "primaryIngestionPlatforms:\n  Shop: [Local]\n";
    *ecosystem = datasurface_files::SourceFile::new(ecosystem.path.clone(), text);
    let valid =
        datasurface_rules::validate::validate(datasurface_files::load(&files).unwrap().ecosystem)
            .unwrap();
    let graphs = datasurface_platform::graph::build(&valid);
    let name = valid.platforms.get_key_value("Lake").unwrap().0;
    let Err(datasurface_platform::RenderFailure::Refused { report, .. }) =
        datasurface_platform::render_with(&datasurface_spark::Spark::new(), &valid, &graphs, name)
    else {
        panic!("rendered a mirror of a sqlite platform");
    };
    let found: Vec<(&str, String, &str)> = report
        .diagnostics()
        .iter()
        .map(|d| (d.code, d.path.to_string(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [(
            "unsupported-by-platform",
            "/primaryIngestionPlatforms/Shop".to_owned(),
            "platform `Lake` would mirror `Shop` from platform `Local` (kind `sqlite`), and it mirrors another `spark` platform's tables only"
        )],
        "{report}"
    );
}
