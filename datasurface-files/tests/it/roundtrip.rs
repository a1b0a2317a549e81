//! Serializing a model and loading it again gives an equal model, in the same order.

use datasurface_files::{self as files, Format};
use datasurface_fixtures::arbitrary;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        max_shrink_iters: if std::env::var_os("CI").is_some() {
            0
        } else {
            512
        },
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn yaml_round_trip(eco in arbitrary::ecosystem()) {
        let yaml = files::to_yaml_string(&eco).unwrap();
        let back = files::from_yaml_str(&yaml).unwrap_or_else(|e| panic!("{e}\n---\n{yaml}"));
        prop_assert_eq!(&back, &eco);
        // Equal maps may differ in order; the text shows order.
        prop_assert_eq!(files::to_yaml_string(&back).unwrap(), yaml);
    }

    #[test]
    fn json_round_trip(eco in arbitrary::ecosystem()) {
        let json = files::to_json_string(&eco).unwrap();
        let back = files::from_json_str(&json).unwrap_or_else(|e| panic!("{e}\n---\n{json}"));
        prop_assert_eq!(&back, &eco);
        prop_assert_eq!(files::to_json_string(&back).unwrap(), json);
    }

    #[test]
    fn yaml_and_json_agree(eco in arbitrary::ecosystem()) {
        let from_yaml = files::from_yaml_str(&files::to_yaml_string(&eco).unwrap()).unwrap();
        let from_json = files::from_json_str(&files::to_json_string(&eco).unwrap()).unwrap();
        prop_assert_eq!(files::to_json_string(&from_yaml).unwrap(), files::to_json_string(&from_json).unwrap());
    }

    #[test]
    fn directory_round_trip(eco in arbitrary::ecosystem(), json in any::<bool>()) {
        let format = if json { Format::Json } else { Format::Yaml };
        let parts = files::to_directory(&eco, format).unwrap();
        let loaded = files::load(&parts).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(&loaded.ecosystem, &eco);
        prop_assert_eq!(loaded.documents.len(), parts.len());
    }

    #[test]
    fn loading_does_not_change_the_input(eco in arbitrary::ecosystem()) {
        let parts = files::to_directory(&eco, Format::Yaml).unwrap();
        let before = parts.clone();
        let _ = files::load(&parts);
        prop_assert_eq!(parts, before);
    }
}

#[test]
fn examples_round_trip_through_every_form() {
    for name in ["northwind", "federated"] {
        let model = files::load(&crate::example_files(name)).unwrap().ecosystem;
        let yaml = files::to_yaml_string(&model).unwrap();
        assert_eq!(
            files::from_yaml_str(&yaml).unwrap(),
            model,
            "{name} as YAML"
        );
        let json = files::to_json_string(&model).unwrap();
        assert_eq!(
            files::from_json_str(&json).unwrap(),
            model,
            "{name} as JSON"
        );
        let parts = files::to_directory(&model, Format::Yaml).unwrap();
        assert_eq!(
            files::load(&parts).unwrap().ecosystem,
            model,
            "{name} as a directory"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..config() })]

    /// Loading two models together, parsing the files they share once, is
    /// loading each alone, whatever the files (valid or not, shared or not).
    #[test]
    fn loading_two_models_together_is_loading_each(
        a in arbitrary::ecosystem(),
        b in arbitrary::ecosystem(),
        swap in proptest::collection::vec(any::<bool>(), 8),
    ) {
        let base = files::to_directory(&a, Format::Yaml).unwrap();
        let other = files::to_directory(&b, Format::Yaml).unwrap();
        // The proposed model: the base with some files taken from the other.
        let proposed: Vec<files::SourceFile> = base
            .iter()
            .enumerate()
            .map(|(i, f)| match other.iter().find(|o| o.path == f.path) {
                Some(o) if swap[i % swap.len()] => o.clone(),
                _ => f.clone(),
            })
            .collect();
        let (x, y) = files::load_both(&base, &proposed);
        prop_assert_eq!(&x, &files::load(&base));
        prop_assert_eq!(&y, &files::load(&proposed));
        // Paired by path and parsed a pair at a time, as `verify` reads
        // them (each text gone before the files are assembled): the same.
        let (pairs_x, pairs_y): (Vec<_>, Vec<_>) = base
            .iter()
            .zip(&proposed)
            .map(|(f, g)| files::parse_pair(f, g))
            .unzip();
        prop_assert_eq!(files::assemble(pairs_x), x);
        prop_assert_eq!(files::assemble(pairs_y), y);
    }
}
