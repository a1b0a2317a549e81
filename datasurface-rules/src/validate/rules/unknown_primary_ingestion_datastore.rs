//! Diagnostic: unknown-primary-ingestion-datastore
//!
//! Primary ingestion platforms are set per datastore, by name.

use super::prelude::*;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-primary-ingestion-datastore",
        Severity::Error,
        "A primary ingestion platform is set for a datastore that does not exist.",
        "Fix the datastore's name under `primaryIngestionPlatforms`, or remove the entry.",
    )
    .with_example(
        &[("  Orders: [Batch]", "  Ordrs: [Batch]")],
        "model.yaml:114:3: error[unknown-primary-ingestion-datastore]: unknown datastore `Ordrs`
  at: /primaryIngestionPlatforms/Ordrs
  help: did you mean `Orders`? (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let stores = cx.datastore_names();
    for store in cx.eco.primary_ingestion_platforms.keys() {
        if !cx.index.datastores.contains_key(store) {
            out.report(
                ModelPath::root().keys(["primaryIngestionPlatforms", store.as_str()]),
                format!("unknown datastore `{store}`"),
                suggest(store, &stores, "datastores"),
            );
        }
    }
}
