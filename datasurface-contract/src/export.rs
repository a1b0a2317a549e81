//! A model's datastores as ODCS contracts.

use datasurface_core::capture::CaptureMethod;
use datasurface_core::common::ProductionStatus;
use datasurface_core::names::{DatasetName, DatastoreName};
use datasurface_core::regions::{self, Region};
use datasurface_core::{Dataset, Datastore, Ecosystem, TeamLocation};
use serde_json::{Value, json};

use crate::columns::{self, CLASSIFICATIONS};
use crate::odcs::{API_VERSION, Contract, CustomProperty, Description, KIND, SchemaObject};

/// Custom property: the repository that owns the contract's datastore.
pub(crate) const OWNING_REPOSITORY: &str = "datasurfaceOwningRepository";
/// Custom property: the datastore a per-dataset contract belongs to.
pub(crate) const DATASTORE: &str = "datasurfaceDatastore";
/// Custom property: `PRODUCTION` or `NOT_PRODUCTION`.
pub(crate) const PRODUCTION_STATUS: &str = "datasurfaceProductionStatus";
/// Custom property: the producer's approvals of dataset groups.
pub(crate) const APPROVALS: &str = "datasurfaceApprovals";
/// Custom property: the consumers reading a dataset (derived, not imported).
pub(crate) const CONSUMERS: &str = "datasurfaceConsumers";
/// Custom property: a dataset's version, or null for none.
pub(crate) const VERSION: &str = "datasurfaceVersion";
/// Custom property: a dataset's storage policies.
pub(crate) const STORAGE_POLICIES: &str = "datasurfaceStoragePolicies";
/// Custom property: a dataset's deprecation.
pub(crate) const DEPRECATION: &str = "datasurfaceDeprecation";
/// Custom property: a dataset accepts snapshots with no rows.
pub(crate) const ALLOW_EMPTY_SNAPSHOT: &str = "datasurfaceAllowEmptySnapshot";
/// Custom property: the documentation of a dataset's schema.
pub(crate) const SCHEMA_DOCUMENTATION: &str = "datasurfaceSchemaDocumentation";

/// What to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Only these datastores; all of them when empty.
    pub datastores: Vec<DatastoreName>,
    /// One contract per dataset rather than per datastore.
    pub per_dataset: bool,
}

/// One exported contract and the file name it should be saved under.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// `<datastore>.odcs.yaml`, or `<datastore>.<dataset>.odcs.yaml` per dataset.
    pub file_name: String,
    /// The contract.
    pub contract: Contract,
}

impl Exported {
    /// The contract as a YAML document.
    pub fn to_yaml(&self) -> Result<String, crate::ContractError> {
        crate::to_yaml(&self.contract)
    }
}

/// Why a model could not be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// A datastore asked for is not in the model.
    #[error("no datastore `{name}` in the model; its datastores are: {known}")]
    UnknownDatastore {
        /// The name asked for.
        name: String,
        /// The model's datastores, comma-separated.
        known: String,
    },
}

/// The model's datastores (or those `options` names) as ODCS v3.1.0
/// contracts: one per datastore, or per dataset. Pure: the same model gives
/// the same contracts, byte for byte once written.
pub fn export(model: &Ecosystem, options: &ExportOptions) -> Result<Vec<Exported>, ExportError> {
    for wanted in &options.datastores {
        if model.datastore(wanted).is_none() {
            return Err(ExportError::UnknownDatastore {
                name: wanted.to_string(),
                known: model
                    .datastores()
                    .map(|(_, n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let mut out = Vec::new();
    for (at, name, store) in model.datastores() {
        if !options.datastores.is_empty() && !options.datastores.contains(name) {
            continue;
        }
        let whole = contract(model, at, name, store);
        if options.per_dataset {
            for (object, dataset) in whole.schema.iter().zip(store.datasets.keys()) {
                let mut one = whole.clone();
                one.id = format!("{}:{dataset}", whole.id);
                one.name = Some(dataset.to_string());
                one.version = versions(store.datasets.get(dataset).into_iter());
                one.schema = vec![object.clone()];
                one.custom_properties
                    .push(CustomProperty::new(DATASTORE, name.as_str()));
                out.push(Exported {
                    file_name: format!("{name}.{dataset}.odcs.yaml"),
                    contract: one,
                });
            }
        } else {
            out.push(Exported {
                file_name: format!("{name}.odcs.yaml"),
                contract: whole,
            });
        }
    }
    Ok(out)
}

/// The highest version of the datasets, or `0.0.0` when none has one.
fn versions<'a>(datasets: impl Iterator<Item = &'a Dataset>) -> String {
    datasets
        .filter_map(|d| d.version.as_ref())
        .max()
        .map_or_else(|| "0.0.0".to_owned(), ToString::to_string)
}

fn contract(
    model: &Ecosystem,
    at: TeamLocation<'_>,
    name: &DatastoreName,
    store: &Datastore,
) -> Contract {
    let team = model.zones.get(at.zone).and_then(|z| z.teams.get(at.team));
    let mut description = Description::default();
    let mut tags = Vec::new();
    let mut customs = Vec::new();
    columns::documentation_out(
        store.documentation.as_deref(),
        &mut description.purpose,
        &mut tags,
        &mut customs,
    );
    description
        .limitations
        .clone_from(&store.deprecation.reason);
    if let Some(repo) = regions::owner(model, &Region::Team(at.zone.clone(), at.team.clone())) {
        customs.push(CustomProperty::new(OWNING_REPOSITORY, repo.to_string()));
    }
    if store.production_status == ProductionStatus::Production {
        customs.push(CustomProperty::new(PRODUCTION_STATUS, "PRODUCTION"));
    }
    if let Some(approvals) = &store.approvals {
        customs.push(CustomProperty::new(
            APPROVALS,
            serde_json::to_value(approvals).unwrap_or(Value::Null),
        ));
    }
    let versioned = store.datasets.values().any(|d| d.version.is_some());
    let schema = store
        .datasets
        .iter()
        .map(|(dataset_name, dataset)| schema_object(model, name, dataset_name, dataset, versioned))
        .collect();
    let team_object = json!({
        "name": at.team.as_str(),
    });
    let team_object = match team.and_then(|t| t.documentation.as_ref()) {
        Some(doc) => {
            let mut t = team_object;
            t["description"] = Value::from(doc.description.as_str());
            t
        }
        None => team_object,
    };
    Contract {
        api_version: API_VERSION.to_owned(),
        kind: KIND.to_owned(),
        id: format!("datasurface:{}:{name}", model.name),
        name: Some(name.to_string()),
        version: versions(store.datasets.values()),
        status: if store.deprecation.is_deprecated() {
            "deprecated"
        } else {
            "active"
        }
        .to_owned(),
        tenant: Some(model.name.to_string()),
        domain: Some(at.zone.to_string()),
        description: (description != Description::default()).then_some(description),
        tags,
        team: Some(team_object),
        custom_properties: customs,
        schema,
        rest: serde_json::Map::new(),
    }
}

fn schema_object(
    model: &Ecosystem,
    store_name: &DatastoreName,
    name: &DatasetName,
    dataset: &Dataset,
    versioned: bool,
) -> SchemaObject {
    let schema = &dataset.schema;
    let position = |list: &[datasurface_core::names::ColumnName], c| {
        list.iter().position(|k| k == c).map(|i| i + 1)
    };
    let properties = schema
        .columns
        .iter()
        .map(|(c, column)| {
            columns::property_out(
                Some(c),
                column,
                position(&schema.primary_key, c),
                position(&schema.partition_keys, c),
            )
        })
        .collect();
    let mut object = SchemaObject {
        name: name.to_string(),
        physical_name: source_table(model, store_name, name),
        physical_type: Some("table".to_owned()),
        logical_type: Some("object".to_owned()),
        properties,
        ..SchemaObject::default()
    };
    crate::quality::quality_out(&dataset.quality, &mut object);
    columns::documentation_out(
        dataset.documentation.as_deref(),
        &mut object.description,
        &mut object.tags,
        &mut object.custom_properties,
    );
    let customs = &mut object.custom_properties;
    if let Some(list) = &dataset.classifications {
        customs.push(CustomProperty::new(
            CLASSIFICATIONS,
            list.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ));
    }
    if versioned {
        customs.push(CustomProperty::new(
            VERSION,
            dataset
                .version
                .as_ref()
                .map_or(Value::Null, |v| Value::from(v.to_string())),
        ));
    }
    if !dataset.storage_policies.is_empty() {
        customs.push(CustomProperty::new(
            STORAGE_POLICIES,
            dataset
                .storage_policies
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        ));
    }
    if dataset.deprecation != datasurface_core::Deprecation::default() {
        customs.push(CustomProperty::new(
            DEPRECATION,
            serde_json::to_value(&dataset.deprecation).unwrap_or(Value::Null),
        ));
    }
    if dataset.allow_empty_snapshot {
        customs.push(CustomProperty::new(ALLOW_EMPTY_SNAPSHOT, true));
    }
    if let Some(doc) = &schema.documentation {
        customs.push(CustomProperty::new(
            SCHEMA_DOCUMENTATION,
            serde_json::to_value(doc).unwrap_or(Value::Null),
        ));
    }
    let consumers = consumers(model, store_name, name);
    if !consumers.is_empty() {
        customs.push(CustomProperty::new(CONSUMERS, consumers));
    }
    object
}

/// The source table a snapshot reads a dataset from, when the capture names one.
fn source_table(model: &Ecosystem, store: &DatastoreName, dataset: &DatasetName) -> Option<String> {
    let (_, s) = model.datastore(store)?;
    match &s.capture.ingestion()?.method {
        CaptureMethod::SqlSnapshot(snapshot) => snapshot.tables.get(dataset).cloned(),
        _ => None,
    }
}

/// The dataset groups that read a dataset, with their workspace's team.
fn consumers(model: &Ecosystem, store: &DatastoreName, dataset: &DatasetName) -> Vec<Value> {
    let mut out = Vec::new();
    for (at, workspace, ws) in model.workspaces() {
        for (group, g) in &ws.dataset_groups {
            if g.sinks
                .iter()
                .any(|s| &s.datastore == store && &s.dataset == dataset)
            {
                out.push(json!({
                    "workspace": workspace.as_str(),
                    "datasetGroup": group.as_str(),
                    "team": at.team.as_str(),
                    "zone": at.zone.as_str(),
                }));
            }
        }
    }
    out
}
