//! Diagnostics: what validation found, where, and how to fix it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The model is wrong; it cannot be used until fixed.
    Error,
    /// The model works, but something deserves attention.
    Warning,
    /// For information only.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One step of a [`ModelPath`]: a map key or a list index, as in the model files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A field name or a map key.
    Key(String),
    /// A position in a list.
    Index(usize),
}

/// Where in the model something is: the keys from the root of the
/// single-document form down to it, such as
/// `/zones/USA/teams/NorthwindTeam/datastores/NW_Data`. It is written as a
/// JSON Pointer (RFC 6901), so it also addresses the JSON form of the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelPath(pub Vec<Segment>);

impl ModelPath {
    /// The root of the model.
    pub fn root() -> Self {
        ModelPath(Vec::new())
    }

    /// Its keys, with a list's position as `[]`: the shape to match a path
    /// against (`["zones", zone, "teams", team, "workspaces", w, ..]`).
    pub fn shape(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|s| match s {
                Segment::Key(k) => k.as_str(),
                Segment::Index(_) => "[]",
            })
            .collect()
    }

    /// This path with a key appended.
    #[must_use]
    pub fn key(&self, key: impl fmt::Display) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        ModelPath(segments)
    }

    /// This path with several keys appended.
    #[must_use]
    pub fn keys<I: IntoIterator<Item = K>, K: fmt::Display>(&self, keys: I) -> Self {
        let mut segments = self.0.clone();
        segments.extend(keys.into_iter().map(|k| Segment::Key(k.to_string())));
        ModelPath(segments)
    }

    /// This path with a list index appended.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        ModelPath(segments)
    }

    /// The path of a zone's definition.
    pub fn zone(zone: &str) -> Self {
        ModelPath::root().keys(["zones", zone])
    }

    /// The path of a team's definition.
    pub fn team(zone: &str, team: &str) -> Self {
        ModelPath::zone(zone).keys(["teams", team])
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether `prefix` is this path or one of its ancestors.
    pub fn starts_with(&self, prefix: &ModelPath) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Display for ModelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("/");
        }
        for segment in &self.0 {
            match segment {
                Segment::Key(key) => write!(f, "/{}", key.replace('~', "~0").replace('/', "~1"))?,
                Segment::Index(i) => write!(f, "/{i}")?,
            }
        }
        Ok(())
    }
}

impl schemars::JsonSchema for ModelPath {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ModelPath".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A place in the model, as a JSON Pointer (RFC 6901) into its single-document form.",
            "pattern": "^/",
        })
    }
}

impl Serialize for ModelPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A place in a model file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct SourceLocation {
    /// The file.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column.
    pub column: usize,
}

/// One finding of validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The stable code of the rule that found it, such as `missing-primary-key`.
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// Where in the model.
    pub path: ModelPath,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The repository that owns the region of the model that must change.
    pub owner: Option<String>,
    /// Where in the model files, when the model came from files.
    pub location: Option<SourceLocation>,
    /// For a change that breaks consumers: each workspace that reads what
    /// changed, with the repository that owns it (who may approve the
    /// break). Empty for any other finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaks: Vec<BrokenConsumer>,
    /// For a finding the owners of other data may let through (a
    /// transformer writing their data less classified than they do): the
    /// repositories whose approvals, together, let it through. A breaking
    /// change's approvers are the owners of the consumers it breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvers: Vec<String>,
    /// For a finding inside a text value (a transformer's query), where in
    /// that text: its line and column, both from 1. Placing the finding in
    /// its file turns it into the file's line and column, whatever the
    /// value's style (a block scalar, a quoted string, a JSON string).
    #[serde(skip)]
    #[schemars(skip)]
    pub in_text: Option<(usize, usize)>,
}

/// A consumer a breaking change breaks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct BrokenConsumer {
    /// The workspace that reads what changed.
    pub workspace: String,
    /// The repository that owns the workspace's team, in the base model.
    pub owner: Option<String>,
}

impl Diagnostic {
    /// A finding with no help, owner or location yet.
    pub fn new(
        code: &'static str,
        severity: Severity,
        path: ModelPath,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity,
            path,
            message: message.into(),
            help: None,
            owner: None,
            location: None,
            breaks: Vec::new(),
            approvers: Vec::new(),
            in_text: None,
        }
    }

    /// The same finding, at `line` and `column` (both from 1) of the text
    /// value at its path.
    #[must_use]
    pub fn in_text(mut self, line: usize, column: usize) -> Self {
        self.in_text = Some((line, column));
        self
    }

    /// The same finding, breaking these consumers.
    #[must_use]
    pub fn breaking(mut self, consumers: Vec<BrokenConsumer>) -> Self {
        self.breaks = consumers;
        self
    }

    /// The same finding, let through only by the approvals of each of
    /// `owners` (repositories), or of the ecosystem's owner.
    #[must_use]
    pub fn approved_by(mut self, owners: Vec<String>) -> Self {
        self.approvers = owners;
        self
    }

    /// The same finding with a help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The help line and the owner together, as people read them.
    pub fn full_help(&self) -> Option<String> {
        match (&self.help, &self.owner) {
            (Some(help), Some(owner)) => Some(format!("{help} (in {owner})")),
            (Some(help), None) => Some(help.clone()),
            (None, Some(owner)) => Some(format!("the change belongs in {owner}")),
            (None, None) => None,
        }
    }

    fn sort_key(&self) -> (&ModelPath, &'static str, &str, Severity) {
        (&self.path, self.code, self.message.as_str(), self.severity)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{}:{}:{}: ", loc.file, loc.line, loc.column)?;
        }
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)?;
        write!(f, "\n  at: {}", self.path)?;
        if let Some(help) = self.full_help() {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every finding of a validation, in a deterministic order: by path, then code, then message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Report(Vec<Diagnostic>);

impl Report {
    /// A report of these findings, sorted.
    pub fn new(mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diagnostics.dedup();
        Report(diagnostics)
    }

    /// The findings.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.0
    }

    /// The findings, to change them (for example to add locations).
    pub fn diagnostics_mut(&mut self) -> &mut [Diagnostic] {
        &mut self.0
    }

    /// Only the findings of one code, in order.
    #[must_use]
    pub fn only(&self, code: &str) -> Report {
        Report(self.0.iter().filter(|d| d.code == code).cloned().collect())
    }

    /// How many findings have a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|d| d.severity == severity).count()
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Whether there are no findings at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The distinct codes found, sorted.
    pub fn codes(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = self.0.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// A diagnostic code as the catalogue and `datasurface explain` list it:
/// what it finds, how serious it is, how to fix it, and (optionally) an
/// example that makes it fire.
///
/// Build one with [`CodeInfo::new`] in a `const`; the fields are public to
/// read, and the struct may grow.
///
/// ```
/// use datasurface_core::diagnostic::{CodeInfo, ModelPath, Severity};
///
/// const SLOW: CodeInfo = CodeInfo::new(
///     "acme-slow-source",
///     Severity::Warning,
///     "A source takes longer to read than its latency allows.",
///     "Read it less often, or ask for a looser latency.",
/// );
/// let finding = SLOW.at(ModelPath::zone("USA"), "it is slow");
/// assert_eq!(finding.code, "acme-slow-source");
/// assert_eq!(finding.severity, Severity::Warning);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeInfo {
    /// The stable code, such as `airflow-missing-credential`.
    pub code: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Why it matters and how to fix it.
    pub explanation: &'static str,
    /// A model edit that makes it fire, and what is then reported.
    pub example: Option<CodeExample>,
}

/// An example of a code firing: text edits of a valid base model (which the
/// code's owner keeps, and tests), and the report they give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeExample {
    /// `(find, replace)` edits of the base model; each `find` matches once.
    pub edits: &'static [(&'static str, &'static str)],
    /// The report of the edited model, only this code, as `check` prints it.
    pub finding: &'static str,
}

impl CodeInfo {
    /// A code without an example.
    pub const fn new(
        code: &'static str,
        severity: Severity,
        summary: &'static str,
        explanation: &'static str,
    ) -> Self {
        CodeInfo {
            code,
            severity,
            summary,
            explanation,
            example: None,
        }
    }

    /// The code with an example: edits of a base model and the report they give.
    #[must_use]
    pub const fn with_example(
        mut self,
        edits: &'static [(&'static str, &'static str)],
        finding: &'static str,
    ) -> Self {
        self.example = Some(CodeExample { edits, finding });
        self
    }

    /// A finding of this code, at its severity.
    pub fn at(&self, path: ModelPath, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.severity, path, message)
    }
}

impl CodeExample {
    /// The edits as a unified-diff body: `-` lines found, `+` lines put instead.
    pub fn diff(&self) -> String {
        edit_block(self.edits)
    }
}

/// `(find, replace)` edits as a unified-diff body.
pub fn edit_block(edits: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (find, replace) in edits {
        for line in find.lines() {
            out.push('-');
            out.push_str(line);
            out.push('\n');
        }
        for line in replace.lines() {
            out.push('+');
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_json_pointers() {
        let p = ModelPath::team("USA", "NY")
            .keys(["datastores", "a/b~c"])
            .index(2);
        assert_eq!(p.to_string(), "/zones/USA/teams/NY/datastores/a~1b~0c/2");
        assert_eq!(ModelPath::root().to_string(), "/");
        assert!(p.starts_with(&ModelPath::zone("USA")));
        assert!(!p.starts_with(&ModelPath::zone("EU")));
    }

    #[test]
    fn reports_sort_and_count() {
        let a = Diagnostic::new("b-code", Severity::Warning, ModelPath::zone("B"), "second");
        let b = Diagnostic::new("a-code", Severity::Error, ModelPath::zone("A"), "first");
        let report = Report::new(vec![a.clone(), b.clone(), a]);
        assert_eq!(
            report.diagnostics(),
            [
                b,
                Diagnostic::new("b-code", Severity::Warning, ModelPath::zone("B"), "second")
            ]
        );
        assert!(report.has_errors());
        assert_eq!(report.count(Severity::Warning), 1);
        assert_eq!(report.codes(), ["a-code", "b-code"]);
    }
}
