//! What a platform renders of a job for lineage: the template its runs'
//! events are made from.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The namespace of a platform's jobs: `datasurface/<ecosystem>/<platform>`,
/// the same on every run and every machine.
pub fn job_namespace(ecosystem: &str, platform: &str) -> String {
    format!("datasurface/{ecosystem}/{platform}")
}

/// The namespace of an ecosystem's model identities (a dataset as
/// `<store>.<dataset>`, a consumer group as `<workspace>.<group>`), which
/// every physical dataset links to in its `symlinks` facet.
pub fn model_namespace(ecosystem: &str) -> String {
    format!("datasurface/{ecosystem}")
}

/// What kind of work a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobType {
    /// Reads a source (or a primary platform) into the merge tables, and
    /// delivers the new batch to its consumers.
    #[default]
    Ingest,
    /// Runs a workspace's transformer and ingests its output.
    Transform,
    /// Delivers a batch to a hooked consumer group.
    Export,
}

impl JobType {
    /// As OpenLineage's `jobType` facet says it.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobType::Ingest => "INGEST",
            JobType::Transform => "TRANSFORM",
            JobType::Export => "EXPORT",
        }
    }
}

/// Where a dataset is, in the platform's terms; the runner knows the real
/// database behind each.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Place {
    /// The platform's merge database.
    Merge,
    /// A workspace container the platform delivers to.
    Container(String),
    /// A source container a store is captured from.
    Source(String),
    /// The merge database of another platform (a primary this one mirrors).
    Primary(String),
}

impl Place {
    /// A source container.
    pub fn source(container: &str) -> Place {
        Place::Source(container.to_owned())
    }

    /// A workspace container.
    pub fn container(container: &str) -> Place {
        Place::Container(container.to_owned())
    }

    /// The name of the database: `merge`, or the container's or platform's.
    pub fn database(&self) -> &str {
        match self {
            Place::Merge => "merge",
            Place::Container(n) | Place::Source(n) | Place::Primary(n) => n,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Merge => f.write_str("the merge database"),
            Place::Container(n) => write!(f, "container `{n}`"),
            Place::Source(n) => write!(f, "source `{n}`"),
            Place::Primary(n) => write!(f, "platform `{n}`'s merge database"),
        }
    }
}

/// A column as the dataset's `schema` facet lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// The column.
    pub name: String,
    /// Its type where the data is.
    #[serde(rename = "type")]
    pub data_type: String,
    /// What it holds, from the model's documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Field {
    /// A column of a type, undocumented.
    pub fn new(name: &str, data_type: &str) -> Field {
        Field {
            name: name.to_owned(),
            data_type: data_type.to_owned(),
            description: None,
        }
    }
}

/// A check a batch makes of a dataset's rows before it commits (a batch
/// that fails one fails whole): reported as an assertion that held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What is checked: `not_null`, `unique`, or a value check's name.
    pub assertion: String,
    /// The column (or columns, comma-separated), if the check is of some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// A dataset a job reads or writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetLineage {
    /// Which database it is in.
    pub place: Place,
    /// Its table or view there (the runner adds the schema, where there is one).
    pub table: String,
    /// The namespace of its model identity ([`model_namespace`]).
    pub model_namespace: String,
    /// Its model identity: `<store>.<dataset>`.
    pub model_name: String,
    /// For a consumer group's view: the group, as `<workspace>.<group>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Who owns it, as `team:<zone>/<team>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    /// Its columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// What a batch checks of its rows (on the datasets a job reads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// For a transformer's output: which input columns make each column
    /// (the transformer's query, analysed when the job was rendered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_lineage: Option<super::ColumnLineage>,
}

impl DatasetLineage {
    /// A dataset at `place`, in `table`, that is the model's `model_name`.
    pub fn new(place: Place, table: &str, model_namespace: &str, model_name: &str) -> Self {
        DatasetLineage {
            place,
            table: table.to_owned(),
            model_namespace: model_namespace.to_owned(),
            model_name: model_name.to_owned(),
            group: None,
            owners: Vec::new(),
            fields: Vec::new(),
            checks: Vec::new(),
            column_lineage: None,
        }
    }

    /// The same, with the column lineage of the query that writes it.
    #[must_use]
    pub fn with_column_lineage(mut self, lineage: Option<super::ColumnLineage>) -> Self {
        self.column_lineage = lineage;
        self
    }

    /// The same, with its columns.
    #[must_use]
    pub fn with_fields(mut self, fields: Vec<Field>) -> Self {
        self.fields = fields;
        self
    }

    /// The same, with its owners.
    #[must_use]
    pub fn with_owners(mut self, owners: Vec<String>) -> Self {
        self.owners = owners;
        self
    }

    /// The same, with the checks a batch makes of it.
    #[must_use]
    pub fn with_checks(mut self, checks: Vec<Check>) -> Self {
        self.checks = checks;
        self
    }

    /// The same, as the view of a consumer group (`<workspace>.<group>`).
    #[must_use]
    pub fn for_group(mut self, group: String) -> Self {
        self.group = Some(group);
        self
    }
}

/// A job as lineage sees it: rendered with the job's spec, so that every
/// run of it names the same job and datasets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobLineage {
    /// The job's namespace ([`job_namespace`]).
    pub namespace: String,
    /// The job's name in it: `ingest.<stream>`, `transform.<workspace>`.
    pub name: String,
    /// What kind of job.
    pub job_type: JobType,
    /// Who owns the job, as `team:<zone>/<team>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    /// What it does, from the model's documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The SQL it runs, for a transformer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// What it reads.
    #[serde(default)]
    pub inputs: Vec<DatasetLineage>,
    /// What it writes.
    #[serde(default)]
    pub outputs: Vec<DatasetLineage>,
}

/// `team:<zone>/<team>`, an owner as lineage names it.
pub fn team_owner(zone: &str, team: &str) -> String {
    format!("team:{zone}/{team}")
}

impl JobLineage {
    /// A job with no datasets yet.
    pub fn new(namespace: String, name: String, job_type: JobType) -> Self {
        JobLineage {
            namespace,
            name,
            job_type,
            owners: Vec::new(),
            description: None,
            sql: None,
            inputs: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// The same, owned by a team.
    #[must_use]
    pub fn owned_by(mut self, zone: &str, team: &str) -> Self {
        self.owners.push(team_owner(zone, team));
        self
    }
}
