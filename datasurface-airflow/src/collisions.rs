//! The physical names the platform makes, claimed in its lint so that two
//! model objects never share one (see [`datasurface_platform::PhysicalNames`]):
//! every relation (table, view, index) in the platform's schema and in each
//! workspace's schema, the workspace schemas themselves, DAG ids, Airflow
//! asset URIs, and the environment variables and Kubernetes secrets of
//! credentials. Columns may not start with the platform's `ds_surf_`.

use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_platform::model::names::{
    ContainerName, DatasetGroupName, DatasetName, DatastoreName, WorkspaceName,
};
use datasurface_platform::model::validate::{Diagnostic, ModelPath};
use datasurface_platform::{PhysicalNames, is_reserved_column, reserved_column};

use crate::config::AirflowConfig;
use crate::dags::credential_variable;
use crate::names::{dag_id, ident, k8s_name};
use crate::render::Lookup;

/// How names map, for the help.
const RULE: &str = "folds case, writes characters other than letters and digits as `_`, joins name parts with `_` and shortens names over 63 bytes";

/// The collisions (and reserved column names) of a platform's graph.
pub(crate) fn check(
    platform: &str,
    config: &AirflowConfig,
    graph: &PlatformGraph,
    lookup: &Lookup<'_>,
) -> Vec<Diagnostic> {
    let mut claims = Claims {
        platform,
        database: &config.merge_database,
        schema: &config.schema,
        relations: format!("a table, view or index in schema `{}`", config.schema),
        lookup,
        names: PhysicalNames::new(platform, RULE),
        found: Vec::new(),
    };
    for node in graph.nodes() {
        match &node.kind {
            NodeKind::Ingest {
                datastore, dataset, ..
            } => claims.ingest(datastore, dataset.as_ref()),
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
            NodeKind::Trigger { .. } => {}
        }
    }
    let mut found = claims.found;
    found.extend(claims.names.into_diagnostics());
    found
}

struct Claims<'a> {
    platform: &'a str,
    database: &'a str,
    schema: &'a str,
    relations: String,
    lookup: &'a Lookup<'a>,
    names: PhysicalNames,
    found: Vec<Diagnostic>,
}

impl Claims<'_> {
    fn store_path(&self, store: &DatastoreName) -> ModelPath {
        self.lookup
            .0
            .datastore(store)
            .map_or_else(ModelPath::root, |at| {
                ModelPath::team(at.zone, at.team).keys(["datastores", store.as_str()])
            })
    }

    fn workspace_path(&self, ws: &WorkspaceName) -> ModelPath {
        self.lookup
            .0
            .workspace(ws)
            .map_or_else(ModelPath::root, |at| {
                ModelPath::team(at.zone, at.team).keys(["workspaces", ws.as_str()])
            })
    }

    fn asset(&self, parts: &[&str]) -> String {
        let parts: Vec<String> = parts.iter().map(|p| ident(&[p])).collect();
        format!("datasurface://{}/{}", self.schema, parts.join("/"))
    }

    /// A workspace's schema, claimed; its name.
    fn workspace_schema(&mut self, ws: &WorkspaceName) -> String {
        let physical = ident(&[self.schema, ws.as_str()]);
        let what = format!("workspace `{ws}`");
        let path = self.workspace_path(ws);
        self.names.claim("a schema", &physical, true, &what, &path);
        physical
    }

    fn ingest(&mut self, datastore: &DatastoreName, dataset: Option<&DatasetName>) {
        let Some(store) = self.lookup.0.datastore(datastore).map(|p| p.item) else {
            return;
        };
        let path = self.store_path(datastore);
        let stream = match dataset {
            Some(d) => format!("ingestion of `{datastore}#{d}`"),
            None => format!("ingestion of `{datastore}`"),
        };
        let mut parts = vec![self.schema, "ingest", datastore.as_str()];
        parts.extend(dataset.map(DatasetName::as_str));
        self.names
            .claim("a DAG id", &dag_id(&parts), true, &stream, &path);
        for (name, d) in &store.datasets {
            if dataset.is_some_and(|only| only != name) {
                continue;
            }
            let what = format!("dataset `{datastore}.{name}`");
            let at = path.keys(["datasets", name.as_str()]);
            for suffix in ["staging", "merge", "live_key"] {
                let physical = ident(&[datastore.as_str(), name.as_str(), suffix]);
                self.names
                    .claim(&self.relations, &physical, true, &what, &at);
            }
            let uri = self.asset(&[datastore.as_str(), name.as_str()]);
            self.names.claim("an Airflow asset", &uri, true, &what, &at);
            for column in d.schema.columns.keys() {
                if !is_reserved_column("ds_surf_", column.as_str()) {
                    continue;
                }
                self.found.extend(reserved_column(
                    self.platform,
                    "ds_surf_",
                    column.as_str(),
                    &what,
                    &at.keys(["schema", "columns", column.as_str()]),
                ));
            }
        }
        if let Some(ingestion) = store.capture.ingestion()
            && let Some(credential) = &ingestion.credential
        {
            let what = format!("credential `{}`", credential.name);
            let at = path.keys(["capture", "ingestion", "credential"]);
            let variable = credential_variable(credential.name.as_str(), "user");
            self.names
                .claim("an environment variable", &variable, false, &what, &at);
            let secret = k8s_name(&[credential.name.as_str()]);
            self.names
                .claim("a Kubernetes secret", &secret, false, &what, &at);
        }
    }

    fn export(&mut self, container: &ContainerName, store: &DatastoreName, dataset: &DatasetName) {
        let what = format!("the export of `{store}.{dataset}` to `{container}`");
        let at = self.store_path(store).keys(["datasets", dataset.as_str()]);
        for suffix in ["live", "history"] {
            let parts = [container.as_str(), store.as_str(), dataset.as_str(), suffix];
            self.names
                .claim(&self.relations, &ident(&parts), true, &what, &at);
        }
    }

    fn transformer(&mut self, workspace: &WorkspaceName) {
        let Some(ws) = self.lookup.0.workspace(workspace).map(|p| p.item) else {
            return;
        };
        let path = self.workspace_path(workspace);
        let what = format!("transformer `{workspace}`");
        let views = format!("a view in schema `{}`", self.workspace_schema(workspace));
        for (_, sink) in ws.sinks() {
            let physical = ident(&[sink.datastore.as_str(), sink.dataset.as_str()]);
            let input = format!("input `{}.{}` of {what}", sink.datastore, sink.dataset);
            self.names.claim(&views, &physical, true, &input, &path);
        }
        let role = ident(&[
            self.database,
            self.schema,
            "transformer",
            workspace.as_str(),
        ]);
        self.names
            .claim("a role of the database server", &role, true, &what, &path);
        let parts = [self.schema, "transform", workspace.as_str()];
        self.names
            .claim("a DAG id", &dag_id(&parts), true, &what, &path);
        let uri = self.asset(&["transformer", workspace.as_str()]);
        self.names
            .claim("an Airflow asset", &uri, true, &what, &path);
        if let Some(t) = &ws.transformer
            && let Some(out) = self.lookup.0.datastore(&t.output_datastore)
        {
            for name in out.item.datasets.keys() {
                let store = t.output_datastore.as_str();
                let physical = ident(&["dt", store, name.as_str()]);
                let output = format!("output `{store}.{name}` of {what}");
                self.names
                    .claim(&self.relations, &physical, true, &output, &path);
            }
        }
    }

    fn group(&mut self, workspace: &WorkspaceName, dataset_group: &DatasetGroupName) {
        let Some(group) = self
            .lookup
            .0
            .workspace(workspace)
            .and_then(|w| w.item.dataset_groups.get(dataset_group))
        else {
            return;
        };
        let views = format!("a view in schema `{}`", self.workspace_schema(workspace));
        let at = self
            .workspace_path(workspace)
            .keys(["datasetGroups", dataset_group.as_str()]);
        for sink in &group.sinks {
            let what = format!(
                "the view of `{}.{}` for group `{workspace}.{dataset_group}`",
                sink.datastore, sink.dataset
            );
            for suffix in [None, Some("history")] {
                let mut parts = vec![
                    dataset_group.as_str(),
                    sink.datastore.as_str(),
                    sink.dataset.as_str(),
                ];
                parts.extend(suffix);
                self.names.claim(&views, &ident(&parts), true, &what, &at);
            }
        }
    }
}
