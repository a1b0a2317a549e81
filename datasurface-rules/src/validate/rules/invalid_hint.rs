//! Diagnostic: invalid-hint
//!
//! Hints tune single jobs: an ingestion (of a datastore, or of one dataset
//! when datasets are ingested one by one) or a transformer.

use super::prelude::*;
use datasurface_core::{HintTarget, IngestionConsistency};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-hint",
        Severity::Error,
        "A platform hint targets a datastore, dataset or transformer that does not exist or cannot take it.",
        "An ingestion hint names a datastore, plus a dataset only for single-dataset capture; a transformer hint names a workspace with a transformer.",
    )
    .with_example(
        &[(
        "    locations: [AWS:USA/us-east-1]\nzoneDeclarations:",
        "    locations: [AWS:USA/us-east-1]\n    hints:\n      - target: {ingestion: {datastore: Orders, dataset: orders}}\n        values: {memory: 2Gi}\nzoneDeclarations:",
    )],
        "model.yaml:19:9: error[invalid-hint]: hint of platform `Batch`: datastore `Orders` is ingested as a whole, so a hint cannot name one dataset
  at: /platforms/Batch/hints/0/target
  help: An ingestion hint names a datastore, plus a dataset only for single-dataset capture; a transformer hint names a workspace with a transformer. (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (name, platform) in &cx.eco.platforms {
        for (i, hint) in platform.hints.iter().enumerate() {
            let path = ModelPath::root()
                .keys(["platforms", name.as_str(), "hints"])
                .index(i)
                .key("target");
            let problem = match &hint.target {
                HintTarget::Ingestion { datastore, dataset } => match cx.index.datastore(datastore)
                {
                    // A duplicated name is reported as a duplicate, not as unknown.
                    None if cx.index.datastores.contains_key(datastore) => None,
                    None => Some(format!("unknown datastore `{datastore}`")),
                    Some(store) => {
                        let single =
                            store.item.capture.consistency() == IngestionConsistency::SingleDataset;
                        match dataset {
                            Some(d) if !store.item.datasets.contains_key(d) => {
                                Some(format!("datastore `{datastore}` has no dataset `{d}`"))
                            }
                            Some(_) if !single => Some(format!(
                                "datastore `{datastore}` is ingested as a whole, so a hint cannot name one dataset"
                            )),
                            None if single => Some(format!(
                                "datastore `{datastore}` is ingested dataset by dataset, so a hint must name the dataset"
                            )),
                            _ => None,
                        }
                    }
                },
                HintTarget::Transformer { workspace } => match cx.index.workspace(workspace) {
                    None if cx.index.workspaces.contains_key(workspace) => None,
                    None => Some(format!("unknown workspace `{workspace}`")),
                    Some(ws) if ws.item.transformer.is_none() => {
                        Some(format!("workspace `{workspace}` has no transformer"))
                    }
                    Some(_) => None,
                },
            };
            if let Some(problem) = problem {
                out.report(
                    path,
                    format!("hint of platform `{name}`: {problem}"),
                    RULE.info.explanation,
                );
            }
        }
    }
}
