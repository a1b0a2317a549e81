//! Nothing panics on any input, and every parse error is located.

use datasurface_files::{self as files, LoadErrorKind, SourceFile};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", json in any::<bool>()) {
        let path = if json { "x.json" } else { "x.yaml" };
        let _ = files::load(&[SourceFile::new(path, text)]);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "(apiVersion: datasurface.dev/v1\nkind: (Ecosystem|Team|GovernanceZone)\n)?([a-zA-Z]{1,8}: ?(\\{|\\[|-|[a-z0-9]{0,5}|\"|')?\n {0,4}){0,12}") {
        let _ = files::load(&[SourceFile::new("x.yaml", text)]);
    }
}

#[test]
fn every_truncation_of_an_example_gives_a_located_error() {
    for file in crate::example_files("northwind") {
        let text = &file.text;
        let mut cut = 0;
        while cut < text.len() {
            cut = (cut + 37).min(text.len());
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            let prefix = &text[..cut];
            let Err(errors) = files::load(&[SourceFile::new(file.path.clone(), prefix)]) else {
                continue; // A prefix can itself be a complete, valid document.
            };
            for e in errors
                .errors()
                .iter()
                .filter(|e| e.kind == LoadErrorKind::Document)
            {
                let empty = e.message.contains("empty");
                assert!(
                    e.line.is_some() || empty,
                    "unlocated error for {} cut at {cut}: {e}",
                    file.path
                );
            }
        }
    }
}

#[test]
fn runaway_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let header = "apiVersion: datasurface.dev/v1\nkind: Team\nzone: A\nname: B\n";
    let yaml = format!("{header}datastores: {nested}\n");
    let json = format!(
        r#"{{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "A", "name": "B", "datastores": {nested}}}"#
    );
    let deep_type = format!(
        "{header}datastores: {{S: {{capture: {{transformerOutput: {{workspace: W}}}}, datasets: {{d: {{schema: {{columns: {{c: {}Integer{}}}}}}}}}}}}}}}\n",
        "{type: {Array: {elementType: ".repeat(5000),
        "}}".repeat(5000)
    );
    for (path, text) in [
        ("deep.yaml", yaml),
        ("deep.json", json),
        ("deep-type.yaml", deep_type),
    ] {
        let errors = files::load(&[SourceFile::new(path, text)]).unwrap_err();
        assert!(errors.errors()[0].line.is_some(), "{errors}");
    }
}
