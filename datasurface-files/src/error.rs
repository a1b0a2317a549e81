//! Load errors: where in which file, what was wrong, and how to fix it.

use std::fmt;

/// Which stage of loading found a problem.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LoadErrorKind {
    /// A file could not be read or parsed as a document.
    #[default]
    Document,
    /// The documents parsed, but do not fit together into one model.
    Model,
}

impl LoadErrorKind {
    /// The diagnostic code of findings of this kind, as `datasurface` prints them.
    pub fn code(self) -> &'static str {
        match self {
            LoadErrorKind::Document => "load-error",
            LoadErrorKind::Model => "model-structure",
        }
    }
}

/// The codes of loading's findings, for the catalogue and `datasurface explain`.
pub const LOAD_CODES: &[datasurface_core::diagnostic::CodeInfo] = &[
    datasurface_core::diagnostic::CodeInfo::new(
        "load-error",
        datasurface_core::diagnostic::Severity::Error,
        "A model file cannot be read, or does not parse as a model document.",
        "The message names the file, the line and the column, and the help says what was expected there. \
         Common causes: indentation that does not line up (YAML nests by indentation, and tabs are not \
         allowed), a misspelled or unknown field (the help lists the fields that are allowed there), a \
         required field left out (the message names it and the document that lacks it), a name that is \
         not allowed (names of datastores, datasets, columns and workspaces are SQL identifiers), a \
         header that is not `apiVersion: datasurface.dev/v1` with a `kind`, a file that is not UTF-8, \
         or a path that does not exist. Exit code 2: the model could not be read at all.",
    ),
    datasurface_core::diagnostic::CodeInfo::new(
        "model-structure",
        datasurface_core::diagnostic::Severity::Error,
        "The model's documents parse, but do not fit together into one model.",
        "A directory holds exactly one Ecosystem document, at most one GovernanceZone document per \
         zone and one Team document per team, each naming the zone it belongs to. The message names \
         the document that does not fit and what it clashes with. Exit code 1: the model has errors.",
    ),
];

/// One problem found while loading model files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// Which stage found it.
    pub kind: LoadErrorKind,
    /// The file, as the caller named it.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl LoadError {
    pub(crate) fn new(file: &str, message: impl Into<String>) -> Self {
        LoadError {
            kind: LoadErrorKind::Document,
            file: file.to_owned(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn model(mut self) -> Self {
        self.kind = LoadErrorKind::Model;
        self
    }

    /// A problem found outside the model crate, such as a file that cannot be read.
    pub fn document(
        file: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        LoadError {
            kind: LoadErrorKind::Document,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            help: Some(help.into()),
        }
    }

    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:column`, or as much of it as is known.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file),
            (Some(line), None) => format!("{}:{line}", self.file),
            _ => self.file.clone(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.location(), self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Every problem found while loading a model, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErrors(pub Vec<LoadError>);

impl LoadErrors {
    /// The problems.
    pub fn errors(&self) -> &[LoadError] {
        &self.0
    }

    /// Whether every problem is of the model's structure, so every document itself was readable.
    pub fn only_model_errors(&self) -> bool {
        self.0.iter().all(|e| e.kind == LoadErrorKind::Model)
    }
}

impl From<LoadError> for LoadErrors {
    fn from(error: LoadError) -> Self {
        LoadErrors(vec![error])
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}
