//! The physical names the platform makes, claimed in its lint so that two
//! model objects never share one (see [`datasurface_platform::PhysicalNames`]):
//! every relation (table, view, index) in the platform's schema and in each
//! workspace's schema, the workspace schemas themselves, DAG ids, Airflow
//! asset URIs, and the environment variables and Kubernetes secrets of
//! credentials. Columns may not start with the platform's `ds_surf_`.

use datasurface_core::CaptureMethod;
use datasurface_core::names::{
    ContainerName, CredentialName, DatasetGroupName, DatasetName, DatastoreName, WorkspaceName,
};
use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_platform::{
    Carried, Claimant, PhysicalNames, ingested_datasets, is_reserved_column, reserved_column,
};
use datasurface_rules::validate::{Diagnostic, Places};

use crate::config::AirflowConfig;
use crate::dags::credential_variable;
use crate::names::{dag_id, ident, k8s_name};
use crate::render::Lookup;

/// The namespace of Airflow asset URIs.
const ASSET: &str = "an Airflow asset";

/// The namespace of replication slots (and the publications named alike).
const SLOT: &str = "a replication slot and publication on a source";

/// How names map, for the help.
const RULE: &str = "folds case, writes characters other than letters and digits as `_`, joins name parts with `_` and shortens names over 63 bytes";

/// The model object that claims a name: cheap to compare, described only
/// when it collides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner<'a> {
    /// A workspace, for its schema.
    Workspace(&'a WorkspaceName),
    /// The ingestion of a store, or of one dataset of it.
    Ingestion(&'a DatastoreName, Option<&'a DatasetName>),
    /// A dataset, for its tables and asset.
    Dataset(&'a DatastoreName, &'a DatasetName),
    /// A credential, wherever it is used (the store is where it was first met).
    Credential(&'a CredentialName, Carried<&'a DatastoreName>),
    /// The export of a dataset to a container.
    Export(&'a ContainerName, &'a DatastoreName, &'a DatasetName),
    /// A transformer (its workspace).
    Transformer(&'a WorkspaceName),
    /// An input of a transformer.
    Input(&'a WorkspaceName, &'a DatastoreName, &'a DatasetName),
    /// An output dataset of a transformer.
    Output(&'a WorkspaceName, &'a DatastoreName, &'a DatasetName),
    /// The view of a sink for a dataset group.
    View(
        &'a WorkspaceName,
        &'a DatasetGroupName,
        &'a DatastoreName,
        &'a DatasetName,
    ),
}

/// The collisions (and reserved column names) of a platform's graph.
pub(crate) fn check<'a>(
    platform: &str,
    config: &AirflowConfig,
    graph: &'a PlatformGraph,
    lookup: &'a Lookup<'a>,
    places: &'a Places,
) -> Vec<Diagnostic> {
    let mut claims = Claims {
        config,
        platform,
        database: &config.merge_database,
        schema: &config.schema,
        relations: format!("a table, view or index in schema `{}`", config.schema),
        lookup,
        places,
        names: PhysicalNames::new(platform, RULE),
        found: Vec::new(),
    };
    // Three tables and an asset for each dataset ingested.
    let datasets = ingested_datasets(graph, &lookup.0);
    claims.names.reserve(&claims.relations, 3 * datasets);
    claims.names.reserve(ASSET, datasets);
    for node in graph.nodes() {
        match &node.kind {
            NodeKind::Ingest {
                datastore,
                dataset,
                from_platform,
                ..
            } => claims.ingest(datastore, dataset.as_ref(), from_platform.is_some()),
            NodeKind::Export {
                container,
                datastore,
                dataset,
            } => claims.export(container, datastore, dataset),
            NodeKind::DataTransformer { workspace } => claims.transformer(workspace),
            NodeKind::Workspace {
                workspace,
                dataset_group,
            } => claims.group(workspace, dataset_group),
            // A trigger names nothing; `render` refuses a kind it does not know.
            _ => {}
        }
    }
    let Claims { names, found, .. } = claims;
    let mut found = found;
    found.extend(names.into_diagnostics(|owner| describe(places, owner)));
    found
}

/// What a collision says of an owner, and where it is.
fn describe(places: &Places, owner: &Owner<'_>) -> Claimant {
    let (what, path) = match *owner {
        Owner::Workspace(ws) => (format!("workspace `{ws}`"), places.workspace(ws)),
        Owner::Ingestion(store, dataset) => (
            match dataset {
                Some(d) => format!("ingestion of `{store}#{d}`"),
                None => format!("ingestion of `{store}`"),
            },
            places.datastore(store),
        ),
        Owner::Dataset(store, name) => (
            format!("dataset `{store}.{name}`"),
            places.dataset(store, name),
        ),
        Owner::Credential(name, Carried(store)) => (
            format!("credential `{name}`"),
            places
                .datastore(store)
                .keys(["capture", "ingestion", "credential"]),
        ),
        Owner::Export(container, store, dataset) => (
            format!("the export of `{store}.{dataset}` to `{container}`"),
            places.dataset(store, dataset),
        ),
        Owner::Transformer(ws) => (format!("transformer `{ws}`"), places.workspace(ws)),
        Owner::Input(ws, store, dataset) => (
            format!("input `{store}.{dataset}` of transformer `{ws}`"),
            places.workspace(ws),
        ),
        Owner::Output(ws, store, dataset) => (
            format!("output `{store}.{dataset}` of transformer `{ws}`"),
            places.workspace(ws),
        ),
        Owner::View(ws, group, store, dataset) => (
            format!("the view of `{store}.{dataset}` for group `{ws}.{group}`"),
            places.dataset_group(ws, group),
        ),
    };
    Claimant::new(what, path)
}

struct Claims<'a> {
    config: &'a AirflowConfig,
    platform: &'a str,
    database: &'a str,
    schema: &'a str,
    relations: String,
    lookup: &'a Lookup<'a>,
    places: &'a Places,
    names: PhysicalNames<Owner<'a>>,
    found: Vec<Diagnostic>,
}

impl<'a> Claims<'a> {
    fn asset(&self, parts: &[&str]) -> String {
        crate::names::asset_uri(self.schema, parts)
    }

    /// A workspace's schema, claimed; its name.
    fn workspace_schema(&mut self, ws: &'a WorkspaceName) -> String {
        let physical = ident(&[self.schema, ws.as_str()]);
        self.names
            .claim("a schema", &physical, true, Owner::Workspace(ws));
        physical
    }

    fn ingest(
        &mut self,
        datastore: &'a DatastoreName,
        dataset: Option<&'a DatasetName>,
        mirrored: bool,
    ) {
        let Some(store) = self.lookup.0.datastore(datastore).map(|p| p.item) else {
            return;
        };
        let mut parts = vec![self.schema, "ingest", datastore.as_str()];
        parts.extend(dataset.map(DatasetName::as_str));
        let stream = Owner::Ingestion(datastore, dataset);
        self.names.claim("a DAG id", dag_id(&parts), true, stream);
        if !mirrored
            && let Some(ingestion) = store.capture.ingestion()
            && matches!(ingestion.method, CaptureMethod::Cdc(_))
        {
            // Its slot and publication on the source, its changes table here.
            let (slot, changes) = crate::render::cdc_names(self.config, (datastore, dataset));
            self.names.claim(SLOT, slot, true, stream);
            self.names.claim(&self.relations, changes, true, stream);
        }
        for (name, d) in &store.datasets {
            if dataset.is_some_and(|only| only != name) {
                continue;
            }
            let owner = Owner::Dataset(datastore, name);
            for suffix in ["staging", "merge", "live_key"] {
                let physical = ident(&[datastore.as_str(), name.as_str(), suffix]);
                self.names.claim(&self.relations, physical, true, owner);
            }
            let uri = self.asset(&[datastore.as_str(), name.as_str()]);
            self.names.claim(ASSET, uri, true, owner);
            for column in d.schema.columns.keys() {
                if !is_reserved_column("ds_surf_", column.as_str()) {
                    continue;
                }
                let what = format!("dataset `{datastore}.{name}`");
                let at = self.places.dataset(datastore, name).keys([
                    "schema",
                    "columns",
                    column.as_str(),
                ]);
                self.found.extend(reserved_column(
                    self.platform,
                    "ds_surf_",
                    column.as_str(),
                    &what,
                    &at,
                ));
            }
        }
        if let Some(ingestion) = store.capture.ingestion()
            && let Some(credential) = &ingestion.credential
        {
            let owner = Owner::Credential(&credential.name, Carried(datastore));
            let variable = credential_variable(credential.name.as_str(), "user");
            self.names
                .claim("an environment variable", variable, false, owner);
            let secret = k8s_name(&[credential.name.as_str()]);
            self.names
                .claim("a Kubernetes secret", secret, false, owner);
        }
    }

    fn export(
        &mut self,
        container: &'a ContainerName,
        store: &'a DatastoreName,
        dataset: &'a DatasetName,
    ) {
        let owner = Owner::Export(container, store, dataset);
        for suffix in ["live", "history"] {
            let parts = [container.as_str(), store.as_str(), dataset.as_str(), suffix];
            self.names
                .claim(&self.relations, ident(&parts), true, owner);
        }
    }

    fn transformer(&mut self, workspace: &'a WorkspaceName) {
        let Some(ws) = self.lookup.0.workspace(workspace).map(|p| p.item) else {
            return;
        };
        let views = format!("a view in schema `{}`", self.workspace_schema(workspace));
        for (_, sink) in ws.sinks() {
            let physical = ident(&[sink.datastore.as_str(), sink.dataset.as_str()]);
            let input = Owner::Input(workspace, &sink.datastore, &sink.dataset);
            self.names.claim(&views, physical, true, input);
        }
        let owner = Owner::Transformer(workspace);
        let role = ident(&[
            self.database,
            self.schema,
            "transformer",
            workspace.as_str(),
        ]);
        self.names
            .claim("a role of the database server", role, true, owner);
        let parts = [self.schema, "transform", workspace.as_str()];
        self.names.claim("a DAG id", dag_id(&parts), true, owner);
        let uri = self.asset(&["transformer", workspace.as_str()]);
        self.names.claim(ASSET, uri, true, owner);
        if let Some(t) = &ws.transformer
            && let Some(out) = self.lookup.0.datastore(&t.output_datastore)
        {
            for name in out.item.datasets.keys() {
                let store = &t.output_datastore;
                let physical = ident(&["dt", store.as_str(), name.as_str()]);
                let output = Owner::Output(workspace, store, name);
                self.names.claim(&self.relations, physical, true, output);
            }
        }
    }

    fn group(&mut self, workspace: &'a WorkspaceName, dataset_group: &'a DatasetGroupName) {
        let Some(group) = self
            .lookup
            .0
            .workspace(workspace)
            .and_then(|w| w.item.dataset_groups.get(dataset_group))
        else {
            return;
        };
        let views = format!("a view in schema `{}`", self.workspace_schema(workspace));
        for sink in &group.sinks {
            let owner = Owner::View(workspace, dataset_group, &sink.datastore, &sink.dataset);
            for suffix in [None, Some("history")] {
                let mut parts = vec![
                    dataset_group.as_str(),
                    sink.datastore.as_str(),
                    sink.dataset.as_str(),
                ];
                parts.extend(suffix);
                self.names.claim(&views, ident(&parts), true, owner);
            }
        }
    }
}
