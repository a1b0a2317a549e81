//! Findings as every caller sees them: the JSON `datasurface check
//! --format json` prints, as a type.

use datasurface_files::{LoadError, LoadErrorKind};
use datasurface_rules::validate::{Diagnostic, Severity};
use datasurface_rules::verify::{Excepted, PlatformMove, RegionChange};
use serde::{Deserialize, Serialize};

/// The version of the findings' JSON shape ([`Finding`], [`VerifyOutput`]).
///
/// Within a version fields are only added, never renamed, removed or given
/// another meaning; a change that would is a new version. The JSON Schema
/// ([`finding_schema`]) carries it in its `$id`.
pub const FINDINGS_VERSION: u32 = 1;

/// One finding of the gate, from loading or from checking the model, in the
/// fields every output format shows.
///
/// A list of them is what `datasurface check --format json` prints
/// ([`to_json`]); an application embedding the gate gets the same values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Finding {
    /// Its code, such as `unknown-dataset` (`datasurface explain CODE`).
    pub code: String,
    /// How serious it is.
    pub severity: Severity,
    /// The model element it is about, as a path of keys
    /// (`zones.Sales.teams.Orders.workspaces.Reports`); none for a file
    /// that could not be loaded.
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The file it is in, as the caller named the model's files.
    pub file: Option<String>,
    /// The 1-based line in that file.
    pub line: Option<usize>,
    /// The 1-based column in that line.
    pub column: Option<usize>,
}

impl Finding {
    /// A finding with no model path, help or place in a file: set those
    /// fields, which stay public, as needed.
    pub fn new(code: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            code: code.into(),
            severity,
            path: None,
            message: message.into(),
            help: None,
            file: None,
            line: None,
            column: None,
        }
    }
}

/// The short form, `datasurface check --format short` (and the examples
/// `datasurface explain` shows): `file:line:column: severity[code]: message`,
/// then the model path and the help on indented lines, as a
/// [`Diagnostic`] displays.
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            write!(f, ": ")?;
        }
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)?;
        if let Some(path) = &self.path {
            write!(f, "\n  at: {path}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl From<&LoadError> for Finding {
    fn from(e: &LoadError) -> Self {
        Finding {
            code: e.kind.code().to_owned(),
            severity: Severity::Error,
            path: None,
            message: e.message.clone(),
            help: e.help.clone(),
            file: Some(e.file.clone()),
            line: e.line,
            column: e.column,
        }
    }
}

impl From<&Diagnostic> for Finding {
    fn from(d: &Diagnostic) -> Self {
        Finding {
            code: d.code.to_owned(),
            severity: d.severity,
            path: Some(d.path.to_string()),
            message: d.message.clone(),
            help: d.full_help(),
            file: d.location.as_ref().map(|l| l.file.clone()),
            line: d.location.as_ref().map(|l| l.line),
            column: d.location.as_ref().map(|l| l.column),
        }
    }
}

/// What the gate decided about a model or a change, as the command line's
/// exit status says it.
///
/// ```
/// use datasurface_gate::Verdict;
/// assert_eq!(Verdict::Refused.exit_code(), 1);
/// assert_eq!(serde_json::to_string(&Verdict::NotLoaded)?, r#""notLoaded""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Verdict {
    /// The model passes, or the change may merge: it loaded, and no finding
    /// is an error (nor, with `--deny-warnings`, a warning). Exit status 0.
    Passed,
    /// The model or change is refused: a finding is an error (or a warning,
    /// with `--deny-warnings`), or its documents parsed but do not fit
    /// together (`model-structure`). Exit status 1.
    Refused,
    /// A model could not be loaded: a file could not be read or does not
    /// parse (`load-error`), so nothing was checked. Exit status 2.
    NotLoaded,
}

impl Verdict {
    /// The verdict of loading errors alone: none is [`Verdict::Passed`];
    /// documents that do not fit together are the model's errors; anything
    /// else did not load.
    pub fn of_load_errors(errors: &[LoadError]) -> Self {
        if errors.is_empty() {
            Verdict::Passed
        } else if errors.iter().all(|e| e.kind == LoadErrorKind::Model) {
            Verdict::Refused
        } else {
            Verdict::NotLoaded
        }
    }

    /// Whether the model passes or the change may merge.
    pub fn passed(self) -> bool {
        self == Verdict::Passed
    }

    /// The command line's exit status for it: 0, 1 or 2.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Passed => 0,
            Verdict::Refused => 1,
            Verdict::NotLoaded => 2,
        }
    }
}

/// What `datasurface verify --format json` prints, in every case: when a
/// model does not load, `findings` holds why and the rest is empty.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VerifyOutput<'v> {
    /// What the gate decided: `passed`, `refused`, or `notLoaded` (a model
    /// could not be loaded, so nothing was verified).
    pub verdict: Verdict,
    /// Whether the change may merge (with `--deny-warnings`, warnings also
    /// refuse it): `verdict` is `passed`.
    pub may_merge: bool,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// What changed, by region of the model and its owner.
    pub changes: &'v [RegionChange],
    /// The dataset groups whose chosen platform the change moves.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub moves: &'v [PlatformMove],
    /// The findings exceptions let through on purpose: each approval or
    /// suppression taken, with who granted it, why and until when.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub excepted: &'v [Excepted],
}

/// Findings as `datasurface check --format json` prints them: a JSON array,
/// indented by two spaces, and a line end.
pub fn to_json(findings: &[Finding]) -> String {
    pretty(&findings)
}

impl VerifyOutput<'_> {
    /// As `datasurface verify --format json` prints it: JSON indented by
    /// two spaces, and a line end.
    pub fn to_json(&self) -> String {
        pretty(self)
    }
}

/// A value as pretty JSON with a line end; findings hold only strings and
/// numbers, so this does not fail.
fn pretty(value: &impl Serialize) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(json) => json + "\n",
        Err(e) => format!("{{\"error\": {:?}}}\n", e.to_string()),
    }
}

/// The JSON Schema of the findings `datasurface check --format json` prints.
pub fn finding_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Vec<Finding>))
        .unwrap_or(serde_json::Value::Null);
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "$id".to_owned(),
            serde_json::Value::String(format!(
                "https://datasurface.dev/schema/findings-v{FINDINGS_VERSION}.json"
            )),
        );
    }
    schema
}
