//! ODCS contracts as a team's datastores.

use datasurface_core::OrderedMap;
use datasurface_core::capture::{CaptureMetadata, CaptureMethod};
use datasurface_core::common::{Deprecation, Documentation, ProductionStatus};
use datasurface_core::names::{DatasetName, DatastoreName, PolicyName, TeamName, ZoneName};
use datasurface_core::schema::Schema;
use datasurface_core::{Dataset, DatasetApproval, Datastore};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::columns::{self, CLASSIFICATIONS, MARKDOWN, TAGS};
use crate::export::{
    ALLOW_EMPTY_SNAPSHOT, APPROVALS, CONSUMERS, DATASTORE, DEPRECATION, OWNING_REPOSITORY,
    PRODUCTION_STATUS, SCHEMA_DOCUMENTATION, STORAGE_POLICIES, VERSION,
};
use crate::notes::{Note, Notes, index};
use crate::odcs::{Contract, CustomProperty, SchemaObject, TeamObject, custom};

/// One contract file: its path (for messages) and its text, YAML or JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFile {
    /// Where it came from, as the user named it.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// How to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// How the datastores are captured: ODCS does not say, the team does.
    pub capture: CaptureMetadata,
    /// Put every contract's tables in this datastore, whatever the contracts are called.
    pub datastore: Option<DatastoreName>,
    /// The team's zone, when the contracts' `domain` does not say it.
    pub zone: Option<ZoneName>,
    /// The team, when the contracts' `team` does not say it.
    pub team: Option<TeamName>,
}

/// A team's datastores made from contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The team's zone.
    pub zone: ZoneName,
    /// The team.
    pub team: TeamName,
    /// The datastores, in the order the contracts gave them.
    pub datastores: OrderedMap<DatastoreName, Datastore>,
    /// What the contracts say that a datasurface model has no place for.
    pub dropped: Vec<Note>,
}

/// Why contracts could not be imported: every problem, each at its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the contracts:\n{}", errors.len(), list(errors))]
pub struct ImportError {
    /// What could not be expressed, at its place in its contract.
    pub errors: Vec<Note>,
    /// What would have been left out.
    pub dropped: Vec<Note>,
}

fn list(notes: &[Note]) -> String {
    notes
        .iter()
        .map(|n| format!("  {n}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The custom properties datasurface writes for readers and reads back as
/// nothing: a contract's owning repository (declared by the zone) and a
/// dataset's consumers (declared by their workspaces).
const DERIVED: [&str; 2] = [OWNING_REPOSITORY, CONSUMERS];

/// Turns ODCS v3 contracts into a team's datastores: each contract's tables
/// become datasets of the datastore it names (or `options.datastore`), its
/// columns keep their types, keys, nullability, classifications and
/// documentation. Fails, naming every field, when something cannot be
/// expressed faithfully (a type datasurface has no equal for, a name that is
/// not a SQL identifier, a table without a primary key); lists what it
/// leaves out (quality rules, SLAs, servers, people) in `dropped`.
pub fn import(files: &[ContractFile], options: &ImportOptions) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let mut dropped = Vec::new();
    let mut stores: OrderedMap<DatastoreName, (String, Datastore)> = OrderedMap::default();
    let mut zone = options.zone.clone().map(|z| (z, NamedBy::Flag("--zone")));
    let mut team = options.team.clone().map(|t| (t, NamedBy::Flag("--team")));
    for file in files {
        let mut notes = Notes::for_file(&file.path);
        if let Some(contract) = parse(file, &mut notes) {
            let owner = read_owner(&contract, &mut notes);
            agree(&mut zone, owner.0, "domain", &file.path, &mut notes);
            agree(&mut team, owner.1, "team.name", &file.path, &mut notes);
            if let Some((name, store)) = read_contract(&contract, options, &mut notes) {
                merge(&mut stores, name, store, &file.path, &mut notes);
            }
        }
        errors.append(&mut notes.errors);
        dropped.append(&mut notes.dropped);
    }
    let (zone, team) = match (zone, team) {
        (Some((zone, _)), Some((team, _))) => (zone, team),
        (zone, team) => {
            let mut notes = Notes::for_file("(all contracts)");
            if zone.is_none() {
                notes.error(
                    "domain",
                    "no contract names the team's zone in `domain`; give it with --zone",
                );
            }
            if team.is_none() {
                notes.error(
                    "team.name",
                    "no contract names the team in `team.name`; give it with --team",
                );
            }
            errors.append(&mut notes.errors);
            return Err(ImportError { errors, dropped });
        }
    };
    if !errors.is_empty() {
        return Err(ImportError { errors, dropped });
    }
    Ok(Imported {
        zone,
        team,
        datastores: stores.into_iter().map(|(k, (_, v))| (k, v)).collect(),
        dropped,
    })
}

/// Reads a contract. Its errors never quote the file's values: a file that
/// is not a contract at all (a token, a key) is named, not shown.
fn parse(file: &ContractFile, notes: &mut Notes) -> Option<Contract> {
    let value: Value = match serde_saphyr::from_str(&file.text) {
        Ok(value) => value,
        Err(e) => {
            let e = e.without_snippet();
            let at = e
                .location()
                .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
                .unwrap_or_default();
            notes.error(
                "(document)",
                &format!("is not YAML or JSON{at}; nothing of it is shown"),
            );
            return None;
        }
    };
    if !value.is_object() {
        notes.error(
            "(document)",
            &format!(
                "is not an ODCS v3 data contract: it is {}, not a mapping of `apiVersion`, `kind`, `schema` …",
                kind_of(&value)
            ),
        );
        return None;
    }
    let contract: Contract = match serde_json::from_value(value) {
        Ok(contract) => contract,
        Err(e) => {
            notes.error(
                "(document)",
                &format!(
                    "is not an ODCS v3 data contract: {}",
                    without_values(&e.to_string())
                ),
            );
            return None;
        }
    };
    if !contract.api_version.starts_with("v3.") {
        notes.error(
            "apiVersion",
            "is not an ODCS v3 version, which datasurface reads (v3.0.0 to v3.2.0); upgrade the contract with datacontract-cli",
        );
        return None;
    }
    if contract.kind != crate::odcs::KIND {
        notes.error("kind", "is not `DataContract`");
        return None;
    }
    Some(contract)
}

/// What a JSON value is, in words, without its content.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A deserializer's message with every quoted value left out (`invalid
/// type: string "…", expected …`): field names, in backticks, stay.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) => {
                quoted = true;
                out.push_str("\"…\"");
            }
            ('"', true) => quoted = false,
            // An escaped character inside the value, a quote among them.
            ('\\', true) => {
                chars.next();
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

/// The zone and team a contract names, if it does.
fn read_owner(contract: &Contract, notes: &mut Notes) -> (Option<ZoneName>, Option<TeamName>) {
    let zone = contract
        .domain
        .as_deref()
        .and_then(|d| match ZoneName::new(d) {
            Ok(z) => Some(z),
            Err(e) => {
                notes.error("domain", &format!("{e}; give the zone with --zone"));
                None
            }
        });
    let team = match &contract.team {
        None => None,
        Some(Value::Array(_)) => {
            notes.dropped(
                "team",
                "team members are people, whom a datasurface model does not name (and this is ODCS v3.0's list form)",
            );
            None
        }
        Some(value) => match serde_json::from_value::<TeamObject>(value.clone()) {
            Ok(t) => {
                notes.rest("team", &t.rest);
                t.name.as_deref().and_then(|n| match TeamName::new(n) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        notes.error("team.name", &format!("{e}; give the team with --team"));
                        None
                    }
                })
            }
            Err(e) => {
                notes.error("team", &format!("is not a team object: {e}"));
                None
            }
        },
    };
    (zone, team)
}

/// Where the zone or team an import keeps came from.
enum NamedBy {
    /// A command-line flag, which overrides the contracts.
    Flag(&'static str),
    /// The first contract file that named it.
    File(String),
}

/// Keeps the first zone or team named, noting a contract that names another.
fn agree<T: PartialEq + std::fmt::Display>(
    kept: &mut Option<(T, NamedBy)>,
    found: Option<T>,
    field: &str,
    file: &str,
    notes: &mut Notes,
) {
    let Some(found) = found else { return };
    match kept {
        None => *kept = Some((found, NamedBy::File(file.to_owned()))),
        Some((first, from)) if *first != found => match from {
            NamedBy::Flag(flag) => notes.dropped(
                field,
                &format!("`{found}` is overridden by {flag} `{first}`"),
            ),
            NamedBy::File(from) => {
                notes.error(
                    field,
                    &format!("`{found}` differs from `{first}` in {from}: one import makes one team's datastores; import them separately or give --zone and --team"),
                );
            }
        },
        Some(_) => {}
    }
}

fn merge(
    stores: &mut OrderedMap<DatastoreName, (String, Datastore)>,
    name: DatastoreName,
    store: Datastore,
    file: &str,
    notes: &mut Notes,
) {
    let Some((first, existing)) = stores.get_mut(&name) else {
        stores.insert(name, (file.to_owned(), store));
        return;
    };
    let mut incoming = store;
    for (dataset, d) in std::mem::take(&mut incoming.datasets) {
        if existing.datasets.contains_key(&dataset) {
            notes.error(
                &format!("schema[{dataset}]"),
                &format!("datastore `{name}` already has a dataset `{dataset}` from {first}"),
            );
        } else {
            existing.datasets.insert(dataset, d);
        }
    }
    incoming.datasets.clone_from(&existing.datasets);
    if incoming != *existing {
        notes.dropped(
            "(document)",
            &format!("its datastore settings differ from {first}'s for `{name}`; the first contract's are kept"),
        );
    }
}

/// A value from a custom property, or an error at it.
fn typed<T: DeserializeOwned>(value: &Value, at: &str, what: &str, notes: &mut Notes) -> Option<T> {
    match serde_json::from_value(value.clone()) {
        Ok(v) => Some(v),
        Err(e) => {
            notes.error(at, &format!("is not {what}: {e}"));
            None
        }
    }
}

fn read_contract(
    contract: &Contract,
    options: &ImportOptions,
    notes: &mut Notes,
) -> Option<(DatastoreName, Datastore)> {
    notes.rest("", &contract.rest);
    let customs = &contract.custom_properties;
    let name = datastore_name(contract, options, notes);
    let mut store = Datastore::new(options.capture.clone());
    let description = contract.description.clone().unwrap_or_default();
    notes.rest("description", &description.rest);
    store.documentation = columns::documentation_in(
        description.purpose.as_deref(),
        &contract.tags,
        customs,
        "description.purpose",
        notes,
    );
    if description.usage.is_some() {
        notes.dropped(
            "description.usage",
            "datasurface keeps one description (`purpose`); add the usage to it",
        );
    }
    match contract.status.as_str() {
        "deprecated" | "retired" => {
            store.deprecation = Deprecation {
                status: datasurface_core::DeprecationStatus::Deprecated,
                reason: description.limitations.clone(),
            };
        }
        _ => {
            if description.limitations.is_some() {
                notes.dropped(
                    "description.limitations",
                    "datasurface keeps limitations only as a deprecated datastore's reason",
                );
            }
        }
    }
    if let Some(status) = custom(customs, PRODUCTION_STATUS) {
        let at = format!("customProperties.{PRODUCTION_STATUS}");
        store.production_status =
            typed::<ProductionStatus>(status, &at, "PRODUCTION or NOT_PRODUCTION", notes)?;
    }
    if let Some(approvals) = custom(customs, APPROVALS) {
        let at = format!("customProperties.{APPROVALS}");
        store.approvals = Some(typed::<Vec<DatasetApproval>>(
            approvals,
            &at,
            "a list of approvals",
            notes,
        )?);
    }
    unknown_customs(
        customs,
        "",
        &[PRODUCTION_STATUS, APPROVALS, DATASTORE, MARKDOWN, TAGS],
        notes,
    );
    let version = contract_version(contract, notes);
    let mut ok = true;
    for (i, object) in contract.schema.iter().enumerate() {
        let at = index("schema", i, Some(object.name.as_str()));
        match read_dataset(object, version.as_ref(), &at, notes) {
            Some((dataset_name, dataset)) => {
                if store
                    .datasets
                    .insert(dataset_name.clone(), dataset)
                    .is_some()
                {
                    notes.error(&at, &format!("table `{dataset_name}` appears twice"));
                    ok = false;
                }
            }
            None => ok = false,
        }
    }
    source_tables(&mut store, &contract.schema, notes);
    if contract.schema.is_empty() {
        notes.error(
            "schema",
            "the contract has no tables; a datastore needs at least one dataset",
        );
        ok = false;
    }
    if !ok || !notes.errors.is_empty() {
        return None;
    }
    Some((name?, store))
}

/// Tables named differently in their source (`physicalName`) become a
/// snapshot's table map, which then names every table; other capture
/// methods have no such map, so the names are noted as left out.
fn source_tables(store: &mut Datastore, objects: &[SchemaObject], notes: &mut Notes) {
    let renamed = objects
        .iter()
        .any(|o| o.physical_name.as_deref().is_some_and(|p| p != o.name));
    if !renamed {
        return;
    }
    let snapshot = match &mut store.capture {
        CaptureMetadata::Ingestion(ingestion) => match &mut ingestion.method {
            CaptureMethod::SqlSnapshot(snapshot) => Some(snapshot),
            _ => None,
        },
        CaptureMetadata::TransformerOutput(_) => None,
    };
    let Some(snapshot) = snapshot else {
        for object in objects.iter().filter(|o| o.physical_name.is_some()) {
            notes.dropped(
                &format!("{}.physicalName", index("schema", 0, Some(&object.name))),
                "only a sqlSnapshot capture maps datasets to source tables; name the table in the capture method",
            );
        }
        return;
    };
    for object in objects {
        if let Ok(dataset) = DatasetName::new(&object.name) {
            let table = object.physical_name.as_ref().unwrap_or(&object.name);
            snapshot.tables.insert(dataset, table.clone());
        }
    }
}

fn datastore_name(
    contract: &Contract,
    options: &ImportOptions,
    notes: &mut Notes,
) -> Option<DatastoreName> {
    if let Some(name) = &options.datastore {
        return Some(name.clone());
    }
    let named = custom(&contract.custom_properties, DATASTORE)
        .and_then(Value::as_str)
        .map(|text| (format!("customProperties.{DATASTORE}"), text))
        .or_else(|| {
            contract
                .name
                .as_deref()
                .map(|text| ("name".to_owned(), text))
        });
    let Some((at, text)) = named else {
        notes.error(
            "name",
            "the contract has no name to call its datastore; give one with --datastore",
        );
        return None;
    };
    match DatastoreName::new(text) {
        Ok(name) => Some(name),
        Err(e) => {
            notes.error(&at, &format!("{e}; name the datastore with --datastore"));
            None
        }
    }
}

/// The contract's version, given to datasets that do not carry their own:
/// none for `0.0.0` (what datasurface writes for unversioned datasets).
fn contract_version(contract: &Contract, notes: &mut Notes) -> Option<semver::Version> {
    match contract.version.parse::<semver::Version>() {
        Ok(v) if v == semver::Version::new(0, 0, 0) => None,
        Ok(v) => Some(v),
        Err(_) => {
            notes.dropped(
                "version",
                &format!("`{}` is not a semantic version (such as 1.2.0); the datasets are left unversioned", contract.version),
            );
            None
        }
    }
}

fn unknown_customs(customs: &[CustomProperty], at: &str, known: &[&str], notes: &mut Notes) {
    for c in customs {
        notes.rest(&format!("{at}.customProperties.{}", c.property), &c.rest);
        if !known.contains(&c.property.as_str()) && !DERIVED.contains(&c.property.as_str()) {
            notes.dropped(
                &format!("{at}.customProperties.{}", c.property),
                "datasurface has no place for this custom property",
            );
        }
    }
}

fn read_dataset(
    object: &SchemaObject,
    version: Option<&semver::Version>,
    at: &str,
    notes: &mut Notes,
) -> Option<(DatasetName, Dataset)> {
    notes.rest(at, &object.rest);
    let name = match DatasetName::new(&object.name) {
        Ok(n) => Some(n),
        Err(e) => {
            notes.error(&format!("{at}.name"), &e.to_string());
            None
        }
    };
    let customs = &object.custom_properties;
    let mut schema = Schema::default();
    let mut keys = Vec::new();
    let mut partitions = Vec::new();
    let mut ok = true;
    for (i, property) in object.properties.iter().enumerate() {
        let at = index(&format!("{at}.properties"), i, property.name.as_deref());
        let Some((column_name, mut column)) = columns::column_in(property, &at, notes) else {
            ok = false;
            continue;
        };
        if property.primary_key == Some(true) {
            column.nullable = false;
            keys.push((
                position(property.primary_key_position),
                i,
                column_name.clone(),
            ));
        }
        if property.partitioned == Some(true) {
            partitions.push((
                position(property.partition_key_position),
                i,
                column_name.clone(),
            ));
        }
        if schema.columns.insert(column_name.clone(), column).is_some() {
            notes.error(&at, &format!("column `{column_name}` appears twice"));
            ok = false;
        }
    }
    keys.sort();
    partitions.sort();
    schema.primary_key = keys.into_iter().map(|(_, _, c)| c).collect();
    schema.partition_keys = partitions.into_iter().map(|(_, _, c)| c).collect();
    if ok && schema.primary_key.is_empty() {
        notes.error(
            at,
            "has no primary key; datasurface needs one to merge batches: mark its columns `primaryKey: true` (with `primaryKeyPosition` for more than one)",
        );
        ok = false;
    }
    let mut dataset = Dataset::new(schema);
    dataset.quality = crate::quality::quality_in(object, at, notes);
    dataset.documentation = columns::documentation_in(
        object.description.as_deref(),
        &object.tags,
        customs,
        at,
        notes,
    );
    read_dataset_customs(&mut dataset, customs, version, at, notes);
    if !ok {
        return None;
    }
    Some((name?, dataset))
}

/// A key position: ODCS's `-1` (the default) or none sort after the others.
fn position(p: Option<i64>) -> i64 {
    match p {
        Some(p) if p >= 1 => p,
        _ => i64::MAX,
    }
}

fn read_dataset_customs(
    dataset: &mut Dataset,
    customs: &[CustomProperty],
    version: Option<&semver::Version>,
    at: &str,
    notes: &mut Notes,
) {
    let at_custom = |name: &str| format!("{at}.customProperties.{name}");
    if let Some(list) = custom(customs, CLASSIFICATIONS) {
        dataset.classifications = Some(columns::classification_list(
            list,
            &at_custom(CLASSIFICATIONS),
            notes,
        ));
    }
    dataset.version = match custom(customs, VERSION) {
        Some(Value::Null) => None,
        Some(v) => typed::<semver::Version>(
            v,
            &at_custom(VERSION),
            "a semantic version such as 1.2.0",
            notes,
        ),
        None => version.cloned(),
    };
    if let Some(v) = custom(customs, STORAGE_POLICIES) {
        dataset.storage_policies = typed::<Vec<PolicyName>>(
            v,
            &at_custom(STORAGE_POLICIES),
            "a list of policy names",
            notes,
        )
        .unwrap_or_default();
    }
    if let Some(v) = custom(customs, DEPRECATION) {
        dataset.deprecation =
            typed::<Deprecation>(v, &at_custom(DEPRECATION), "a deprecation", notes)
                .unwrap_or_default();
    }
    if let Some(v) = custom(customs, ALLOW_EMPTY_SNAPSHOT) {
        dataset.allow_empty_snapshot =
            typed::<bool>(v, &at_custom(ALLOW_EMPTY_SNAPSHOT), "true or false", notes)
                .unwrap_or_default();
    }
    if let Some(v) = custom(customs, SCHEMA_DOCUMENTATION) {
        dataset.schema.documentation =
            typed::<Documentation>(v, &at_custom(SCHEMA_DOCUMENTATION), "documentation", notes)
                .map(Box::new);
    }
    unknown_customs(
        customs,
        at,
        &[
            CLASSIFICATIONS,
            VERSION,
            STORAGE_POLICIES,
            DEPRECATION,
            ALLOW_EMPTY_SNAPSHOT,
            SCHEMA_DOCUMENTATION,
            MARKDOWN,
            TAGS,
        ],
        notes,
    );
}

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn no_value_survives_a_deserializers_message() {
        assert_eq!(
            without_values(r#"invalid type: string "ghp_t\"oken", expected struct Contract"#),
            r#"invalid type: string "…", expected struct Contract"#
        );
        assert_eq!(without_values("unknown field `x`"), "unknown field `x`");
    }
}
