//! Model → ODCS → model gives back what ODCS can carry: every datastore but
//! how it is captured, which the import is told.

use datasurface_contract::{ContractFile, ExportOptions, ImportOptions, export, import};
use datasurface_core::{Datastore, Ecosystem};

fn northwind() -> Ecosystem {
    datasurface_fixtures::northwind()
        .build()
        .expect("Northwind builds")
}

/// Imports exported contracts, capturing each datastore as the model does.
fn reimport(model: &Ecosystem, options: &ExportOptions) -> Vec<(String, Datastore)> {
    let exported = export(model, options).expect("exports");
    let mut out = Vec::new();
    for (name, store) in model.datastores().map(|(_, n, s)| (n.clone(), s.clone())) {
        let files: Vec<ContractFile> = exported
            .iter()
            .filter(|e| e.file_name.starts_with(&format!("{name}.")))
            .map(|e| ContractFile {
                path: e.file_name.clone(),
                text: e.to_yaml().expect("writes YAML"),
            })
            .collect();
        if files.is_empty() {
            continue;
        }
        let imported = import(
            &files,
            &ImportOptions {
                capture: store.capture.clone(),
                datastore: None,
                zone: None,
                team: None,
            },
        )
        .unwrap_or_else(|e| panic!("{name} imports: {e}"));
        assert!(imported.dropped.is_empty(), "{:#?}", imported.dropped);
        for (n, s) in imported.datastores {
            out.push((n.to_string(), s));
        }
    }
    out
}

/// Every datastore of `model` comes back equal, exported per datastore
/// and per dataset.
fn round_trips(model: &Ecosystem) {
    for per_dataset in [false, true] {
        let options = ExportOptions {
            per_dataset,
            ..ExportOptions::default()
        };
        let back = reimport(model, &options);
        let want: Vec<(String, Datastore)> = model
            .datastores()
            .map(|(_, n, s)| (n.to_string(), s.clone()))
            .collect();
        assert_eq!(back, want, "per dataset: {per_dataset}");
    }
}

#[test]
fn northwind_round_trips_per_datastore_and_per_dataset() {
    let model = northwind();
    round_trips(&model);
}

#[test]
fn quality_rules_round_trip_as_odcs_metrics_or_datasurface_rules() {
    let model = crate::northwind_with_rules();
    let exported = export(&model, &ExportOptions::default()).expect("exports");
    let yaml = exported[0].to_yaml().expect("writes YAML");
    let start = yaml.find("- name: products").expect("products is exported");
    let end = yaml
        .find("- name: suppliers")
        .expect("suppliers is exported");
    insta::assert_snapshot!(&yaml[start..end]);
    round_trips(&model);
}

#[test]
fn northwind_contract_reads_as_written() {
    let exported = export(&northwind(), &ExportOptions::default()).expect("exports");
    insta::assert_snapshot!(exported[0].to_yaml().expect("writes YAML"));
}

mod generated {
    use super::*;
    use datasurface_core::Dataset;
    use datasurface_core::names::DatasetName;
    use datasurface_core::quality::QualityRule;
    use datasurface_fixtures::arbitrary;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// An arbitrary dataset made keyable as validation demands: at least
    /// one column, the primary key some of them and never null, the
    /// partition keys columns too.
    fn keyed_dataset() -> impl Strategy<Value = Dataset> {
        (arbitrary::dataset(), 1usize..3, 0usize..3).prop_flat_map(|(d, keys, parts)| {
            let d = keyed(d, keys, parts);
            let columns: Vec<_> = d.schema.columns.keys().cloned().collect();
            vec(arbitrary::quality_rule(&columns), 0..5).prop_map(move |rules| {
                let mut d = d.clone();
                d.quality = in_contract_order(&d, rules);
                d
            })
        })
    }

    /// The rules in the order a contract gives them back: those on the
    /// table (ODCS has no metric for them on a column), then each column's.
    fn in_contract_order(d: &Dataset, rules: Vec<QualityRule>) -> Vec<QualityRule> {
        let on_column = |r: &QualityRule| match r {
            QualityRule::AllowedValues(a) => Some(a.column.clone()),
            QualityRule::Unique(u) if u.columns.len() == 1 => u.columns.first().cloned(),
            _ => None,
        };
        let (mut table, columns): (Vec<_>, Vec<_>) =
            rules.into_iter().partition(|r| on_column(r).is_none());
        for c in d.schema.columns.keys() {
            table.extend(
                columns
                    .iter()
                    .filter(|r| on_column(r).as_ref() == Some(c))
                    .cloned(),
            );
        }
        table
    }

    /// The dataset made keyable.
    fn keyed(mut d: Dataset, keys: usize, parts: usize) -> Dataset {
        if d.schema.columns.is_empty() {
            d.schema.columns.insert(
                datasurface_core::names::ColumnName::new("id").expect("a column name"),
                datasurface_core::Column::new(datasurface_core::types::DataType::BigInt),
            );
        }
        let names: Vec<_> = d.schema.columns.keys().cloned().collect();
        d.schema.primary_key = names.iter().take(keys).cloned().collect();
        for key in &d.schema.primary_key {
            if let Some(c) = d.schema.columns.get_mut(key) {
                c.nullable = false;
            }
        }
        d.schema.partition_keys = names.iter().rev().take(parts).cloned().collect();
        d
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any datasets, any types, classifications and documentation:
        /// exported then imported, the datastore is equal.
        #[test]
        fn any_datastore_round_trips(
            datasets in proptest::collection::vec(keyed_dataset(), 1..4),
            per_dataset in any::<bool>(),
        ) {
            let mut model = northwind();
            let store = std::sync::Arc::make_mut(&mut model.zones[0].teams[0])
                .datastores
                .get_mut("NW_Data")
                .expect("Northwind has NW_Data");
            store.datasets = datasets
                .into_iter()
                .enumerate()
                .map(|(i, d)| (DatasetName::new(format!("t{i}")).expect("a dataset name"), d))
                .collect();
            let want = store.clone();
            let options = ExportOptions { per_dataset, ..ExportOptions::default() };
            let back = reimport(&model, &options);
            prop_assert_eq!(&back[0].1, &want);
        }
    }
}
