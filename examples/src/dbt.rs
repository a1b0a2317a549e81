//! A complete third-party data platform in about 100 lines: it renders a dbt
//! project (a sources file per ingested datastore, a view model per dataset a
//! consumer group reads). `examples/custom_platform.rs` runs the conformance
//! suite on it; `examples/dbt_cli.rs` is its own `datasurface` command line.

use datasurface_core::Milestoning;
use datasurface_core::names::{DatasetName, DatastoreName};
use datasurface_platform::graph::NodeKind::{Ingest, Workspace};
use datasurface_platform::graph::PlatformGraph;
use datasurface_platform::{
    Artifact, ArtifactKey as Key, Capabilities, CaptureKind, Claimant, ContainerCategory,
    DataPlatform, PhysicalNames, TriggerKind, TypeKind,
};
use datasurface_platform::{PlatformError as Error, RenderContext, Rendering};
use datasurface_rules::validate::{Diagnostic, ModelPath};

/// Renders dbt sources and models; dbt and its scheduler do the rest.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dbt;

fn source_key(store: &DatastoreName) -> Key {
    Key::from_parts(&["models", "sources", store.as_str()], "yml")
}

/// A dbt source; datasets are sorted, as a datastore's datasets are a set.
fn source<'a>(store: &DatastoreName, datasets: impl Iterator<Item = &'a str>) -> String {
    let mut tables: Vec<String> = datasets.map(|d| format!("      - name: {d}\n")).collect();
    tables.sort();
    format!(
        "version: 2\nsources:\n  - name: {store}\n    tables:\n{}",
        tables.concat()
    )
}

fn model(store: &str, dataset: &str) -> String {
    let config = "{{ config(materialized='view') }}";
    format!("{config}\nselect * from {{{{ source('{store}', '{dataset}') }}}}\n")
}

impl DataPlatform for Dbt {
    fn kind(&self) -> &'static str {
        "dbt"
    }
    fn version(&self) -> datasurface_platform::semver::Version {
        datasurface_platform::semver::Version::new(1, 0, 0)
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_capture_methods([CaptureKind::SqlSnapshot])
            .with_milestoning([Milestoning::LiveOnly])
            .with_container_kinds([ContainerCategory::Database])
            .with_data_types([
                TypeKind::Integer,
                TypeKind::BigInt,
                TypeKind::VarChar,
                TypeKind::Decimal,
                TypeKind::Date,
                TypeKind::Boolean,
            ])
            .with_triggers([TriggerKind::Cron])
    }

    /// dbt names sources and models by file, and file systems may ignore
    /// case: two stores whose names differ only so are refused.
    fn lint(&self, graph: &PlatformGraph, cx: &RenderContext<'_>) -> Vec<Diagnostic> {
        let mut names = PhysicalNames::new(cx.platform.as_str(), "names files by datastore");
        for node in graph.nodes() {
            if let Ingest { datastore: s, .. } = &node.kind {
                let file = source_key(s);
                names.claim("a dbt source file", file.as_str(), true, s);
            }
        }
        // Only stores that collide are described.
        names.into_diagnostics(|s| {
            Claimant::new(
                format!("datastore `{s}`"),
                ModelPath::root().keys(["datastores", s.as_str()]),
            )
        })
    }

    fn render(&self, graph: &PlatformGraph, cx: &RenderContext<'_>) -> Result<Rendering, Error> {
        let missing = |what: &dyn std::fmt::Display| Error::Unsupported {
            platform: cx.platform.to_string(),
            what: format!("a graph that names `{what}`, which the model lacks"),
        };
        let mut rendering = Rendering::default();
        for node in graph.nodes() {
            let at = Some(node.key.clone());
            if let Ingest { datastore: s, .. } = &node.kind {
                let (_, store) = cx.ecosystem.datastore(s).ok_or_else(|| missing(s))?;
                // One sources file per store, made for the first of its nodes
                // (a store ingested dataset by dataset has one node each).
                if !rendering.artifacts.contains_key(&source_key(s)) {
                    let text = source(s, store.datasets.keys().map(DatasetName::as_str));
                    rendering.insert(source_key(s), Artifact::new(at, text, vec![]))?;
                }
            } else if let Workspace {
                workspace: w,
                dataset_group: g,
            } = &node.kind
            {
                let (_, ws) = cx.ecosystem.workspace(w).ok_or_else(|| missing(w))?;
                for sink in &ws.dataset_groups[g].sinks {
                    let (s, d) = (sink.datastore.as_str(), sink.dataset.as_str());
                    let key = Key::from_parts(&["models", w.as_str(), g.as_str(), s, d], "sql");
                    let after = vec![source_key(&sink.datastore)];
                    rendering.insert(key, Artifact::new(at.clone(), model(s, d), after))?;
                }
            }
        }
        Ok(rendering)
    }
}
