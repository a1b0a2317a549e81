//! What a platform's batches add up to, stream by stream, and what
//! workspaces' hooks decided: the run state a metrics system scrapes, in
//! the same words for every platform.

use serde::Serialize;

use crate::lineage::JobLineage;

/// What the committed batches of a stream did to rows, in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RowTotals {
    /// Rows read.
    pub read: u64,
    /// Rows with a new key.
    pub inserted: u64,
    /// Rows with a new version of a key.
    pub updated: u64,
    /// Keys gone.
    pub deleted: u64,
}

/// One stream's batches, added up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StreamTotals {
    /// The stream: a datastore, or `store#dataset`.
    pub stream: String,
    /// Its datastore.
    pub datastore: String,
    /// Its dataset, for a stream of one dataset.
    pub dataset: Option<String>,
    /// The zone and team that own the datastore, from the job's lineage
    /// (none for a spec an older build rendered).
    pub owner: Option<(String, String)>,
    /// For a transformer's output: the transformer's workspace.
    pub workspace: Option<String>,
    /// Batches committed.
    pub committed: u64,
    /// Batches failed.
    pub failed: u64,
    /// Committed batches that broke a `warn` quality rule.
    pub warned: u64,
    /// Batches under way (a run is in one, or a killed run left it).
    pub unfinished: u64,
    /// What the committed batches did to rows, in all.
    pub rows: RowTotals,
    /// When the last committed batch ended (RFC 3339, UTC).
    pub last_success: Option<String>,
    /// How long the latest batch took, in seconds, if it ended.
    pub last_seconds: Option<f64>,
    /// Whether it waits for its cron schedule.
    pub waiting: bool,
    /// For a change data capture stream: its replication slot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<SlotState>,
}

/// A change data capture stream's replication slot, as its source's server
/// reports it: what it holds back, and whether it needs an operator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SlotState {
    /// The slot's name.
    pub name: String,
    /// Bytes of the source's log from where the slot restarts decoding
    /// (its `restart_lsn`) to the current position: what it keeps the
    /// server from recycling (none when the slot could not be read).
    pub lag_bytes: Option<u64>,
    /// Seconds since the changes the slot still holds began: since the
    /// start of the last batch whose changes it let go of (none before
    /// its stream's first).
    pub age_seconds: Option<f64>,
    /// PostgreSQL's `wal_status` of the slot: `reserved`, `extended`,
    /// `unreserved`, or `lost` (its changes are gone); none when there is
    /// no slot.
    pub wal_status: Option<String>,
    /// Why the slot needs an operator, with the command that mends it;
    /// none while it keeps up.
    pub needs_operator: Option<String>,
}

impl SlotState {
    /// Slot `name`, with nothing known of it yet.
    pub fn new(name: impl Into<String>) -> SlotState {
        SlotState {
            name: name.into(),
            lag_bytes: None,
            age_seconds: None,
            wal_status: None,
            needs_operator: None,
        }
    }
}

/// What every platform's ingest spec says of its stream: the words its run
/// totals are made of, read the same way whichever platform rendered it.
pub trait IngestStream {
    /// The stream's key: its datastore, or `<datastore>#<dataset>` for one
    /// dataset ingested on its own.
    fn stream(&self) -> &str;
    /// The datastore.
    fn datastore(&self) -> &str;
    /// The datasets it ingests, by name.
    fn datasets(&self) -> Vec<&str>;
    /// The job as its OpenLineage events name it, if the spec has it.
    fn lineage(&self) -> Option<&JobLineage>;
    /// The workspace whose transformer's output it ingests, if it does.
    fn transformer(&self) -> Option<&str>;
}

impl StreamTotals {
    /// A stream with no batches yet, as its ingest spec describes it.
    pub fn of(spec: &impl IngestStream) -> StreamTotals {
        let datasets = spec.datasets();
        let dataset = match datasets.as_slice() {
            [only] if spec.stream().contains('#') => Some(*only),
            _ => None,
        };
        StreamTotals::new(
            spec.stream(),
            spec.datastore(),
            dataset,
            spec.lineage(),
            spec.transformer(),
        )
    }

    /// A stream with no batches yet: `stream` of `datastore` (whose one
    /// dataset it is, if `dataset`), owned as its `lineage` says, the
    /// output of `workspace`'s transformer if it is one.
    pub fn new(
        stream: &str,
        datastore: &str,
        dataset: Option<&str>,
        lineage: Option<&JobLineage>,
        workspace: Option<&str>,
    ) -> StreamTotals {
        StreamTotals {
            stream: stream.to_owned(),
            datastore: datastore.to_owned(),
            dataset: dataset.map(str::to_owned),
            owner: lineage
                .and_then(|l| l.owners.first())
                .and_then(|o| o.strip_prefix("team:"))
                .and_then(|o| o.split_once('/'))
                .map(|(zone, team)| (zone.to_owned(), team.to_owned())),
            workspace: workspace.map(str::to_owned),
            committed: 0,
            failed: 0,
            warned: 0,
            unfinished: 0,
            rows: RowTotals::default(),
            last_success: None,
            last_seconds: None,
            waiting: false,
            slot: None,
        }
    }
}

/// How many times a workspace's hook decided an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookDecisions {
    /// The workspace.
    pub workspace: String,
    /// `run`, `skip`, `defer`, or what it failed to.
    pub action: String,
    /// How many times.
    pub count: u64,
}

/// The run state of one platform.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTotals {
    /// The platform.
    pub platform: Option<String>,
    /// Each stream it runs, in key order.
    pub streams: Vec<StreamTotals>,
    /// Each workspace's hook's decisions, by action.
    pub decisions: Vec<HookDecisions>,
}

impl RunTotals {
    /// The platform a job's lineage names (its namespace ends with it).
    pub fn platform_of(lineage: Option<&JobLineage>) -> Option<String> {
        lineage
            .and_then(|l| l.namespace.rsplit_once('/'))
            .map(|(_, platform)| platform.to_owned())
    }
}

/// Where a consumer group queries a dataset on a platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerPlace {
    /// The group, as `<workspace>.<group>`.
    pub group: String,
    /// The database it queries, as the platform names it to people: a
    /// file's path, or `postgres://host:port/database`.
    pub database: String,
    /// The view there (schema-qualified where the database has schemas).
    pub view: String,
}

impl ConsumerPlace {
    /// The consumer groups' views that a job's `lineage` writes of
    /// `store.dataset`, each in the database `database` names for its
    /// place (a view whose place it names none of is left out).
    pub fn written(
        lineage: Option<&JobLineage>,
        store: &str,
        dataset: &str,
        database: impl Fn(&crate::lineage::Place) -> Option<String>,
    ) -> Vec<ConsumerPlace> {
        let model_name = format!("{store}.{dataset}");
        lineage
            .into_iter()
            .flat_map(|l| &l.outputs)
            .filter(|o| o.model_name == model_name)
            .filter_map(|o| {
                Some(ConsumerPlace {
                    group: o.group.clone()?,
                    database: database(&o.place)?,
                    view: o.table.clone(),
                })
            })
            .collect()
    }
}

/// What a platform's state says of one dataset: its stream's batches, its
/// live rows, and where each consumer group queries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetState {
    /// The platform, from the applied rendering's lineage.
    pub platform: Option<String>,
    /// Its stream's batches, added up.
    pub stream: StreamTotals,
    /// Its live rows in the merge tables.
    pub live_rows: u64,
    /// Where each consumer group that the platform delivers to queries it.
    pub places: Vec<ConsumerPlace>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::{DatasetLineage, JobType, Place};

    /// An ingest spec as a platform might write one.
    struct Spec {
        stream: &'static str,
        datasets: Vec<&'static str>,
        transformer: Option<&'static str>,
    }

    impl IngestStream for Spec {
        fn stream(&self) -> &str {
            self.stream
        }
        fn datastore(&self) -> &str {
            self.stream.split('#').next().unwrap_or_default()
        }
        fn datasets(&self) -> Vec<&str> {
            self.datasets.clone()
        }
        fn lineage(&self) -> Option<&JobLineage> {
            None
        }
        fn transformer(&self) -> Option<&str> {
            self.transformer
        }
    }

    /// A stream of one dataset ingested on its own names it; a datastore's
    /// stream does not, even when it has one dataset; a transformer's
    /// output names its workspace.
    #[test]
    fn a_stream_is_read_from_its_spec_the_same_way_on_every_platform() {
        let alone = StreamTotals::of(&Spec {
            stream: "Orders#lines",
            datasets: vec!["lines"],
            transformer: None,
        });
        assert_eq!(alone.dataset.as_deref(), Some("lines"));
        let whole = StreamTotals::of(&Spec {
            stream: "Orders",
            datasets: vec!["lines"],
            transformer: Some("Totals"),
        });
        assert_eq!(
            (
                whole.dataset,
                whole.workspace.as_deref(),
                whole.datastore.as_str()
            ),
            (None, Some("Totals"), "Orders")
        );
    }

    #[test]
    fn consumer_places_are_the_groups_views_of_that_dataset_where_the_platform_names_them() {
        let view = |place: Place, table: &str, model: &str, group: Option<&str>| {
            let mut d = DatasetLineage::new(place, table, "datasurface/Eco", model);
            d.group = group.map(str::to_owned);
            d
        };
        let job = JobLineage {
            namespace: "datasurface/Eco/Local".to_owned(),
            name: "ingest.Store".to_owned(),
            job_type: JobType::Ingest,
            owners: Vec::new(),
            description: None,
            sql: None,
            inputs: Vec::new(),
            outputs: vec![
                view(Place::Merge, "s.store_a_merge", "Store.a", None),
                view(Place::Merge, "ws.g_store_a", "Store.a", Some("WS.g")),
                view(Place::container("c"), "g_store_a", "Store.a", Some("WS2.g")),
                view(Place::Merge, "ws.g_store_b", "Store.b", Some("WS.g")),
            ],
        };
        let places = ConsumerPlace::written(Some(&job), "Store", "a", |p| match p {
            Place::Merge => Some("postgres://db:5432/merge".to_owned()),
            _ => None,
        });
        assert_eq!(
            places,
            [ConsumerPlace {
                group: "WS.g".to_owned(),
                database: "postgres://db:5432/merge".to_owned(),
                view: "ws.g_store_a".to_owned(),
            }]
        );
        assert!(ConsumerPlace::written(None, "Store", "a", |_| Some(String::new())).is_empty());
    }
}
