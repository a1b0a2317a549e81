//! What a change of the rendering disrupts: the default plan with the
//! disruption each job spec's change means for the warehouse's tables.

use datasurface_platform::{Action, Disruption, Plan, Rendering, Step};

use crate::spec::IngestSpec;

/// The default diff of `previous` and `next`, each step's disruption said.
pub(crate) fn diff(previous: &Rendering, next: &Rendering) -> Plan {
    let mut plan = datasurface_platform::diff(previous, next);
    for step in &mut plan.steps {
        let family: Vec<&str> = step.key.as_str().split('/').take(2).collect();
        step.disruption = match (family.as_slice(), step.action) {
            (["jobs", "ingest"], Action::Create) => {
                step.reason
                    .push_str("; its first batch loads the whole source");
                Disruption::Backfill
            }
            (["jobs", "ingest"], Action::Delete) => {
                step.reason.push_str(
                    "; its tables stay in the warehouse, unread, until an operator removes its directory",
                );
                Disruption::None
            }
            (["jobs", "ingest"], Action::Update | Action::Replace) => {
                let spec = |r: &Rendering| {
                    r.artifacts
                        .get(&step.key)
                        .and_then(|a| serde_json::from_str::<IngestSpec>(&a.content).ok())
                };
                match (spec(previous), spec(next)) {
                    (Some(was), Some(now)) => changed(step, &was, &now),
                    _ => Disruption::None,
                }
            }
            _ => Disruption::None,
        };
    }
    plan
}

/// The disruption of a stream's new spec, and why, added to the step's reason.
fn changed(step: &mut Step, was: &IngestSpec, now: &IngestSpec) -> Disruption {
    let mut disruption = Disruption::None;
    let mut said: Vec<String> = Vec::new();
    for dataset in &now.datasets {
        let Some(before) = was.datasets.iter().find(|d| d.dataset == dataset.dataset) else {
            said.push(format!(
                "dataset `{}` is new: its first batch loads it whole",
                dataset.dataset
            ));
            disruption = disruption.max(Disruption::Backfill);
            continue;
        };
        let name = &dataset.dataset;
        if before.primary_key != dataset.primary_key {
            said.push(format!(
                "dataset `{name}`'s key changes: its next batch rebuilds the table, closing every row and writing it again under the new key"
            ));
            disruption = disruption.max(Disruption::Recreate);
        }
        for column in &dataset.columns {
            match before.columns.iter().find(|c| c.name == column.name) {
                None => said.push(format!(
                    "dataset `{name}` gains column `{}`: the table's schema evolves at its next batch, which writes every row's new version",
                    column.name
                )),
                Some(old) if old.spark_type != column.spark_type => {
                    said.push(format!(
                        "column `{name}.{}` changes from {} to {}: its next batch rebuilds the table",
                        column.name, old.spark_type, column.spark_type
                    ));
                    disruption = disruption.max(Disruption::Recreate);
                }
                Some(_) => {}
            }
        }
        for gone in before
            .columns
            .iter()
            .filter(|c| !dataset.columns.iter().any(|n| n.name == c.name))
        {
            said.push(format!(
                "column `{name}.{}` leaves the live table (closed versions keep it)",
                gone.name
            ));
        }
    }
    match (was.keep_history, now.keep_history) {
        (false, true) => {
            said.push(
                "closed row versions are kept from its next batch on (earlier ones were not)"
                    .to_owned(),
            );
            disruption = disruption.max(Disruption::Backfill);
        }
        (true, false) => said.push(
            "closed row versions are no longer kept from its next batch on (those kept stay)"
                .to_owned(),
        ),
        _ => {}
    }
    for line in said {
        step.reason.push_str("; ");
        step.reason.push_str(&line);
    }
    disruption
}
