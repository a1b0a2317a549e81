//! Validated names.
//!
//! Every name in the model is a newtype that can only hold a well-formed
//! value: the constructors check its form, and deserialization goes through
//! the same check, so a malformed name is refused with its file position
//! while the model loads.
//!
//! Two rules exist:
//!
//! * **SQL identifiers** name everything that becomes a database object:
//!   datastores, datasets, columns, workspaces, dataset groups. They match
//!   `^[A-Za-z][A-Za-z0-9_]{0,127}$` and are not one of the reserved words in
//!   [`SQL_RESERVED_WORDS`] (compared without regard to case). A reserved
//!   word has the form of a name and parses, so a reference such as
//!   `dataset: order` reaches validation, which says what was meant
//!   (`orders`?); validation refuses it where it names something
//!   (`reserved-name`). [`NameRule::check`] refuses it outright.
//! * **Display names** name everything else (zones, teams, vendors, locations,
//!   platforms, containers, policies, credentials, the ecosystem). They are 1 to
//!   255 characters, have no leading or trailing white space, no control
//!   characters, and none of `/`, `:` and `#`, which separate names in keys
//!   such as `Azure:USA/eastus` or `Export/<platform>/<container>/…`.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::str::FromStr;
use std::sync::LazyLock;

use smol_str::SmolStr;

/// The reserved words that a SQL-identifier name may not be, in any case.
///
/// The list is the reference implementation's: it keeps generated SQL free of
/// quoting surprises on every engine a platform may target.
pub const SQL_RESERVED_WORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "ALTER",
    "DROP",
    "TABLE",
    "DATABASE",
    "INDEX",
    "VIEW",
    "TRIGGER",
    "PROCEDURE",
    "FUNCTION",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "ON",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "AS",
    "DISTINCT",
    "NULL",
    "IS",
    "BETWEEN",
    "LIKE",
    "IN",
    "EXISTS",
    "ALL",
    "ANY",
    "SOME",
    "CAST",
    "CONVERT",
    "COALESCE",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "TOP",
    "LIMIT",
    "FETCH",
    "OFFSET",
    "ROW",
    "ROWS",
    "ONLY",
    "FIRST",
    "NEXT",
    "VALUE",
    "VALUES",
    "INTO",
    "SET",
    "OUTPUT",
    "DECLARE",
    "CURSOR",
    "FOR",
    "WHILE",
    "LOOP",
    "REPEAT",
    "IF",
    "ELSEIF",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "TRANSACTION",
    "TRY",
    "CATCH",
    "THROW",
    "USE",
    "USING",
    "COLLATE",
    "PLAN",
    "EXECUTE",
    "PREPARE",
    "DEALLOCATE",
    "ASC",
    "DESC",
];

/// The longest SQL-identifier name.
pub const MAX_IDENTIFIER_LEN: usize = 128;
/// The longest display name, in characters.
pub const MAX_DISPLAY_NAME_LEN: usize = 255;

/// Why a name was refused: what it was meant to name, the value, and the
/// rule it breaks.
///
/// ```
/// use datasurface_core::names::DatastoreName;
///
/// let error = DatastoreName::new("9lives").unwrap_err();
/// assert_eq!(error.what(), "datastore name");
/// assert_eq!(error.value(), "9lives");
/// assert!(error.reason().starts_with("it starts with `9`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} `{value}`: {violation}")]
pub struct NameError {
    what: &'static str,
    value: String,
    violation: RuleViolation,
}

impl NameError {
    /// What kind of name it was meant to be, for example "datastore name".
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The refused value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Why it was refused, phrased so that it says how to fix it.
    pub fn reason(&self) -> &str {
        self.violation.reason()
    }
}

/// Why a value breaks a [`NameRule`], phrased so that it says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct RuleViolation {
    reason: std::borrow::Cow<'static, str>,
}

impl RuleViolation {
    fn new(reason: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        RuleViolation {
            reason: reason.into(),
        }
    }

    /// Why, and how to fix it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// A [`RuleViolation`] worded with `format!`.
macro_rules! violation {
    ($($arg:tt)*) => {
        RuleViolation::new(format!($($arg)*))
    };
}

/// The rule a name type follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// A SQL identifier: a letter, then letters, digits or `_`; at most 128; not reserved.
    SqlIdentifier,
    /// A display name: 1–255 characters, trimmed, no control characters, no `/`, `:` or `#`.
    Display,
    /// A repository path such as `owner/name` or `group/subgroup/project`.
    RepositoryPath,
    /// A git branch name such as `main` or `release/2026-11`.
    GitBranch,
    /// A platform kind such as `sqlite` or `azure-sql`: lower-case letters, digits and `-`.
    PlatformKind,
    /// A credential name such as `nw_reader`: a letter, then letters, digits,
    /// `_`, `-` or `.`; at most 128. It becomes secret names and environment
    /// variables, so nothing in it needs quoting anywhere.
    Credential,
    /// A git server's base URL such as `https://git.acme.com` or
    /// `https://acme.com/gitlab`: `http` or `https`, a host, an optional port
    /// and path; no user, password, query or fragment.
    ServerUrl,
    /// A file inside the model, by its path from the model's root directory,
    /// such as `hooks/monthly.wasm`: `/`-separated parts of letters, digits,
    /// `_`, `-` and `.`, none of them `.` or `..`, nor starting with `.`.
    ModelFile,
    /// A SHA-256 digest: 64 lower-case hexadecimal digits.
    Sha256,
}

impl NameRule {
    /// Checks `value` against the rule; on failure, says why and how to fix it.
    pub fn check(self, value: &str) -> Result<(), RuleViolation> {
        self.check_form(value)?;
        match self {
            NameRule::SqlIdentifier => check_not_reserved(value),
            _ => Ok(()),
        }
    }

    /// Checks `value`'s form: all of [`NameRule::check`] but, for a SQL
    /// identifier, the reserved words, which validation reports where they
    /// name something. Name types parse by their form.
    pub fn check_form(self, value: &str) -> Result<(), RuleViolation> {
        match self {
            NameRule::SqlIdentifier => check_sql_identifier(value),
            NameRule::Display => check_display_name(value),
            NameRule::RepositoryPath => check_repository_path(value),
            NameRule::GitBranch => check_git_branch(value),
            NameRule::PlatformKind => check_platform_kind(value),
            NameRule::Credential => check_credential(value),
            NameRule::ServerUrl => check_server_url(value),
            NameRule::ModelFile => check_model_file(value),
            NameRule::Sha256 => check_sha256(value),
        }
    }
}

fn check_sql_identifier(value: &str) -> Result<(), RuleViolation> {
    let mut chars = value.chars();
    let Some(first) = chars.next() else {
        return Err(RuleViolation::new(
            "it is empty; a SQL identifier starts with a letter",
        ));
    };
    if !first.is_ascii_alphabetic() {
        return Err(violation!(
            "it starts with `{first}`; a SQL identifier starts with a letter (A-Z, a-z)"
        ));
    }
    // Bytes first, as nearly every name passes; the character only for the message.
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(violation!(
            "it contains `{bad}`; a SQL identifier holds only letters, digits and `_`"
        ));
    }
    if value.len() > MAX_IDENTIFIER_LEN {
        return Err(violation!(
            "it is {} characters long; a SQL identifier has at most {MAX_IDENTIFIER_LEN}",
            value.len()
        ));
    }
    Ok(())
}

fn check_not_reserved(value: &str) -> Result<(), RuleViolation> {
    match reserved_word(value) {
        Some(word) => Err(violation!(
            "`{word}` is a reserved SQL word; choose another name, for example `{value}_`"
        )),
        None => Ok(()),
    }
}

/// The reserved SQL word `value` is, in any case (`order` is `ORDER`), if any.
pub fn reserved_sql_word(value: &str) -> Option<&'static str> {
    reserved_word(value)
}

/// The reserved word `value` is, in any case. The words are grouped by
/// length once, as every column name of a model is checked: a name is
/// compared only with the words of its length that start with its letter.
fn reserved_word(value: &str) -> Option<&'static str> {
    static BY_LENGTH: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
        let mut by_length: Vec<Vec<&'static str>> = Vec::new();
        for &word in SQL_RESERVED_WORDS {
            if by_length.len() <= word.len() {
                by_length.resize_with(word.len() + 1, Vec::new);
            }
            if let Some(words) = by_length.get_mut(word.len()) {
                words.push(word);
            }
        }
        by_length
    });
    let first = value.as_bytes().first()?.to_ascii_uppercase();
    BY_LENGTH
        .get(value.len())?
        .iter()
        .copied()
        .find(|w| w.as_bytes().first() == Some(&first) && w.eq_ignore_ascii_case(value))
}

fn check_display_name(value: &str) -> Result<(), RuleViolation> {
    if value.is_empty() {
        return Err(RuleViolation::new("it is empty"));
    }
    if value.trim() != value {
        return Err(RuleViolation::new(
            "it has leading or trailing white space; remove it",
        ));
    }
    if let Some(bad) = datasurface_stdx::text::unsafe_in_line(value) {
        return Err(violation!(
            "it contains the control character {}; remove it",
            bad.escape_unicode()
        ));
    }
    if let Some(bad) = value.chars().find(|c| matches!(c, '/' | ':' | '#')) {
        return Err(violation!(
            "it contains `{bad}`, which separates names in keys; use another character"
        ));
    }
    let len = value.chars().count();
    if len > MAX_DISPLAY_NAME_LEN {
        return Err(violation!(
            "it is {len} characters long; a name has at most {MAX_DISPLAY_NAME_LEN}"
        ));
    }
    Ok(())
}

fn check_server_url(value: &str) -> Result<(), RuleViolation> {
    const FORM: &str = "write it as `https://git.example.com`";
    if value.len() > 255 {
        return Err(RuleViolation::new("it is longer than 255 characters"));
    }
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return Err(violation!("it does not start with `https://`; {FORM}"));
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if let Some(bad) = rest.chars().find(|c| matches!(c, '@' | '?' | '#')) {
        return Err(violation!(
            "it contains `{bad}`; a server URL has no user, password, query or fragment \
             (credentials are named by `credential`, never written in the model)"
        ));
    }
    let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !host_ok {
        return Err(violation!("`{host}` is not a host name; {FORM}"));
    }
    if authority.contains(':')
        && (port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(violation!("`{port}` is not a port number"));
    }
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." {
            return Err(violation!("its path contains `{segment}`"));
        }
        if let Some(bad) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '~')))
        {
            return Err(violation!(
                "its path contains `{bad}`; use letters, digits, `_`, `.`, `-` and `~`"
            ));
        }
    }
    if path.contains("//") {
        return Err(RuleViolation::new("its path has an empty part between `/`"));
    }
    Ok(())
}

fn check_repository_path(value: &str) -> Result<(), RuleViolation> {
    if value.is_empty() {
        return Err(RuleViolation::new("it is empty; write `owner/name`"));
    }
    if value.len() > 255 {
        return Err(RuleViolation::new("it is longer than 255 characters"));
    }
    let segments: Vec<&str> = value.split('/').collect();
    if segments.len() < 2 {
        return Err(RuleViolation::new("it has no `/`; write `owner/name`"));
    }
    for segment in segments {
        if segment.is_empty() {
            return Err(RuleViolation::new(
                "it has an empty part between `/`; write `owner/name`",
            ));
        }
        if let Some(bad) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(violation!(
                "it contains `{bad}`; use letters, digits, `_`, `.` and `-` between `/`"
            ));
        }
        if segment.starts_with('-') || segment.ends_with('-') {
            return Err(violation!("the part `{segment}` starts or ends with `-`"));
        }
        if segment.contains("..") {
            return Err(violation!("the part `{segment}` contains `..`"));
        }
    }
    Ok(())
}

fn check_git_branch(value: &str) -> Result<(), RuleViolation> {
    if value.is_empty() {
        return Err(RuleViolation::new("it is empty"));
    }
    if value.len() > 255 {
        return Err(RuleViolation::new("it is longer than 255 characters"));
    }
    if let Some(bad) = value.chars().find(|c| {
        c.is_control() || c.is_whitespace() || matches!(c, '~' | '^' | ':' | '\\' | '*' | '?' | '[')
    }) {
        return Err(violation!(
            "it contains {bad:?}, which git does not allow in a branch name"
        ));
    }
    if value.starts_with('-') || value.starts_with('/') || value.ends_with('/') {
        return Err(RuleViolation::new(
            "it starts with `-` or `/`, or ends with `/`",
        ));
    }
    if value.ends_with('.') || value.strip_suffix(".lock").is_some() {
        return Err(RuleViolation::new("it ends with `.` or `.lock`"));
    }
    if value.contains("..") || value.contains("//") || value.contains("@{") || value == "@" {
        return Err(RuleViolation::new(
            "it contains `..`, `//` or `@{`, or is `@`",
        ));
    }
    if value.split('/').any(|part| part.starts_with('.')) {
        return Err(RuleViolation::new("a part between `/` starts with `.`"));
    }
    Ok(())
}

fn check_credential(value: &str) -> Result<(), RuleViolation> {
    let mut chars = value.chars();
    match chars.next() {
        None => {
            return Err(RuleViolation::new(
                "it is empty; write a name such as `nw_reader`",
            ));
        }
        Some(c) if !c.is_ascii_alphabetic() => {
            return Err(violation!(
                "it starts with `{c}`; a credential name starts with a letter"
            ));
        }
        Some(_) => {}
    }
    if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(violation!(
            "it contains `{bad}`; a credential name holds letters, digits, `_`, `-` and `.`, as secret stores and environment variables allow"
        ));
    }
    if value.len() > 128 {
        return Err(RuleViolation::new("it is longer than 128 characters"));
    }
    Ok(())
}

/// The longest path of a file inside the model.
pub const MAX_MODEL_FILE_LEN: usize = 255;

fn check_model_file(value: &str) -> Result<(), RuleViolation> {
    if value.is_empty() {
        return Err(RuleViolation::new(
            "it is empty; write the file's path from the model's root, such as `hooks/monthly.wasm`",
        ));
    }
    if value.starts_with('/') {
        return Err(RuleViolation::new(
            "it is absolute; write the file's path from the model's root, such as `hooks/monthly.wasm`",
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
    {
        return Err(violation!(
            "it contains `{}`; a path inside the model holds letters, digits, `_`, `-`, `.` and `/` between its parts",
            bad.escape_default()
        ));
    }
    if let Some(part) = value
        .split('/')
        .find(|part| part.is_empty() || part.starts_with('.'))
    {
        return Err(if part.is_empty() {
            RuleViolation::new(
                "it has an empty part (`//` or a trailing `/`); name a file, such as `hooks/monthly.wasm`",
            )
        } else {
            violation!(
                "it has the part `{part}`; no part of a path inside the model may start with `.`, so it cannot leave the model or name a hidden file"
            )
        });
    }
    if value.len() > MAX_MODEL_FILE_LEN {
        return Err(violation!(
            "it is longer than {MAX_MODEL_FILE_LEN} characters"
        ));
    }
    Ok(())
}

fn check_sha256(value: &str) -> Result<(), RuleViolation> {
    if value.len() != 64 {
        return Err(violation!(
            "it has {} characters; a SHA-256 digest is 64 hexadecimal digits, as `sha256sum FILE` prints",
            value.chars().count()
        ));
    }
    if let Some(bad) = value.chars().find(|c| !matches!(c, '0'..='9' | 'a'..='f')) {
        return Err(violation!(
            "it contains `{}`; a SHA-256 digest is written in lower-case hexadecimal digits (0-9, a-f), as `sha256sum FILE` prints",
            bad.escape_default()
        ));
    }
    Ok(())
}

fn check_platform_kind(value: &str) -> Result<(), RuleViolation> {
    let mut chars = value.chars();
    match chars.next() {
        None => {
            return Err(RuleViolation::new(
                "it is empty; write a kind such as `sqlite`",
            ));
        }
        Some(c) if !c.is_ascii_lowercase() => {
            return Err(violation!(
                "it starts with `{c}`; a platform kind starts with a lower-case letter"
            ));
        }
        Some(_) => {}
    }
    if let Some(bad) = chars.find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(violation!(
            "it contains `{bad}`; a platform kind holds lower-case letters, digits and `-`"
        ));
    }
    if value.len() > 64 {
        return Err(RuleViolation::new("it is longer than 64 characters"));
    }
    Ok(())
}

/// The regular expression a JSON Schema uses for a rule (reserved words aside).
fn rule_pattern(rule: NameRule) -> &'static str {
    match rule {
        NameRule::SqlIdentifier => "^[A-Za-z][A-Za-z0-9_]{0,127}$",
        // Control characters spelled as ranges (U+0000–U+001F, U+007F–U+009F,
        // exactly the Unicode class Cc): every JSON Schema validator reads
        // these, and not all know `\p{Cc}`.
        NameRule::Display => {
            "^[^\\s/:#\\u0000-\\u001f\\u007f-\\u009f]([^/:#\\u0000-\\u001f\\u007f-\\u009f]*[^\\s/:#\\u0000-\\u001f\\u007f-\\u009f])?$"
        }
        NameRule::RepositoryPath => "^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$",
        NameRule::GitBranch => "^[^\\s~^:\\\\*?\\[/-][^\\s~^:\\\\*?\\[]*$",
        NameRule::PlatformKind => "^[a-z][a-z0-9-]{0,63}$",
        NameRule::Credential => "^[A-Za-z][A-Za-z0-9_.-]{0,127}$",
        NameRule::ServerUrl => {
            "^https?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?(/[A-Za-z0-9_.~-]+)*/?$"
        }
        NameRule::ModelFile => "^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$",
        NameRule::Sha256 => "^[0-9a-f]{64}$",
    }
}

macro_rules! name_type {
    ($(#[$meta:meta])* $name:ident, $what:literal, $rule:expr) => {
        name_type!($(#[$meta])* $name, $what, $rule, resource = "none");
    };
    ($(#[$meta:meta])* $name:ident, $what:literal, $rule:expr, resource = $resource:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(SmolStr);

        impl $name {
            /// What this name names, as used in error messages.
            pub const WHAT: &'static str = $what;
            /// The rule this name follows.
            pub const RULE: NameRule = $rule;
            /// What outside the model it names (`crate::inventory`), as
            /// its schema's `x-resource` says: `none` for a name of the
            /// model's own.
            pub const RESOURCE: &'static str = $resource;

            /// Checks and wraps a name.
            pub fn new(value: impl Into<String> + AsRef<str>) -> Result<Self, NameError> {
                match Self::RULE.check_form(value.as_ref()) {
                    Ok(()) => Ok(Self(SmolStr::new(value.as_ref()))),
                    Err(violation) => Err(NameError { what: Self::WHAT, value: value.into(), violation }),
                }
            }

            /// A stand-in for a name that did not parse, for a builder that
            /// has recorded the problem and so never hands its model out.
            #[allow(dead_code, reason = "only the names a builder requires use it")]
            pub(crate) fn stand_in() -> Self {
                Self(SmolStr::new_static("invalid"))
            }

            /// The name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The name as an owned string.
            pub fn into_string(self) -> String {
                self.0.into()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(value: String) -> Result<Self, NameError> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = NameError;
            fn try_from(value: &str) -> Result<Self, NameError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0.into()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(NameVisitor::<Self>(PhantomData))
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut schema = name_schema($what, Self::RULE);
                if $resource != "none" {
                    schema.insert("x-resource".to_owned(), $resource.into());
                }
                schema
            }
        }
    };
}

/// Deserializes a name from a borrowed string where the format allows, so a
/// short name is never copied to the heap (a model has millions of names).
struct NameVisitor<T>(PhantomData<T>);

impl<T: FromStr<Err = NameError>> serde::de::Visitor<'_> for NameVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
        value.parse().map_err(E::custom)
    }
}

fn name_schema(what: &str, rule: NameRule) -> schemars::Schema {
    let (max, description) = match rule {
        NameRule::RepositoryPath => (255, format!("A {what}, such as `owner/name`.")),
        NameRule::GitBranch => (255, format!("A {what}, such as `main`.")),
        NameRule::PlatformKind => (
            64,
            format!("A {what}: lower-case letters, digits and `-`, such as `sqlite`."),
        ),
        NameRule::SqlIdentifier => (
            MAX_IDENTIFIER_LEN,
            format!(
                "A {what}: a SQL identifier (a letter, then letters, digits or `_`; not a reserved SQL word)."
            ),
        ),
        NameRule::Display => (
            MAX_DISPLAY_NAME_LEN,
            format!("A {what}: 1 to 255 characters, trimmed, without `/`, `:` or `#`."),
        ),
        NameRule::ServerUrl => (
            255,
            format!("A {what}, such as `https://git.example.com`, without user or password."),
        ),
        NameRule::ModelFile => (
            MAX_MODEL_FILE_LEN,
            format!(
                "A {what}: its path from the model's root directory, such as `hooks/monthly.wasm`; no part starts with `.`."
            ),
        ),
        NameRule::Sha256 => (
            64,
            format!("A {what}: 64 lower-case hexadecimal digits, as `sha256sum FILE` prints."),
        ),
        NameRule::Credential => (
            128,
            format!(
                "A {what}: a letter, then letters, digits, `_`, `-` or `.`, such as `nw_reader`."
            ),
        ),
    };
    schemars::json_schema!({
        "type": "string",
        "description": description,
        "minLength": 1,
        "maxLength": max,
        "pattern": rule_pattern(rule),
    })
}

name_type!(
    /// The name of the ecosystem.
    EcosystemName, "ecosystem name", NameRule::Display
);
name_type!(
    /// The name of a governance zone.
    ZoneName, "zone name", NameRule::Display
);
name_type!(
    /// The name of a team, unique within its zone.
    TeamName, "team name", NameRule::Display
);
name_type!(
    /// The name of an infrastructure vendor.
    VendorName, "vendor name", NameRule::Display
);
name_type!(
    /// The name of one location in a vendor's tree of locations.
    LocationName, "location name", NameRule::Display
);
name_type!(
    /// The name of a declared data platform.
    PlatformName, "platform name", NameRule::Display
);
name_type!(
    /// The name of a runtime environment, such as `dev` or `eu-prod`:
    /// lower-case letters, digits and `-`, so it can name folders and tags.
    EnvironmentName, "environment name", NameRule::PlatformKind
);
name_type!(
    /// The name of a data container, unique across the ecosystem.
    ContainerName, "data container name", NameRule::Display, resource = "container"
);
name_type!(
    /// The name of a zone policy, unique within its kind of policy in its zone.
    PolicyName, "policy name", NameRule::Display
);
name_type!(
    /// The name of a credential: a key into a platform's credential store, never a secret.
    CredentialName, "credential name", NameRule::Credential, resource = "credential"
);
name_type!(
    /// A repository's path on its host: `owner/name`, or `group/subgroup/name` on GitLab.
    RepositoryName, "repository name", NameRule::RepositoryPath, resource = "repository"
);
name_type!(
    /// A git server's base URL, for GitHub Enterprise or a self-hosted GitLab:
    /// `https://git.acme.com`, or with a path, `https://acme.com/gitlab`.
    ServerUrl, "server URL", NameRule::ServerUrl, resource = "url"
);
name_type!(
    /// A git branch name.
    BranchName, "branch name", NameRule::GitBranch, resource = "branch"
);
name_type!(
    /// The kind of a data platform: which implementation renders it, such as `sqlite`.
    PlatformKind, "platform kind", NameRule::PlatformKind
);
name_type!(
    /// A file inside the model, by its path from the model's root directory,
    /// such as `hooks/monthly.wasm`. It can name nothing outside the model.
    ModelFilePath, "path inside the model", NameRule::ModelFile, resource = "file"
);
name_type!(
    /// A SHA-256 digest in lower-case hexadecimal, as `sha256sum` prints it:
    /// what pins a file the model names to its exact bytes.
    Sha256Digest, "SHA-256 digest", NameRule::Sha256
);
name_type!(
    /// The name of a datastore, unique across the ecosystem.
    DatastoreName, "datastore name", NameRule::SqlIdentifier
);
name_type!(
    /// The name of a dataset, unique within its datastore.
    DatasetName, "dataset name", NameRule::SqlIdentifier
);
name_type!(
    /// The name of a column or of a struct field.
    ColumnName, "column name", NameRule::SqlIdentifier
);
name_type!(
    /// The name of a workspace, unique across the ecosystem.
    WorkspaceName, "workspace name", NameRule::SqlIdentifier
);
name_type!(
    /// The name of a dataset group, unique within its workspace.
    DatasetGroupName, "dataset group name", NameRule::SqlIdentifier
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_identifiers() {
        assert!(DatastoreName::new("NW_Data").is_ok());
        assert!(DatastoreName::new("a").is_ok());
        assert!(DatastoreName::new("a".repeat(128)).is_ok());
        let err = DatastoreName::new("a".repeat(129)).unwrap_err();
        assert!(err.reason().contains("at most 128"), "{err}");
        let err = DatastoreName::new("1abc").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid datastore name `1abc`: it starts with `1`; a SQL identifier starts with a letter (A-Z, a-z)"
        );
        let err = ColumnName::new("first name").unwrap_err();
        assert!(err.reason().contains("contains ` `"), "{err}");
        // A reserved word has a name's form; validation refuses it where it
        // names something, and `NameRule::check` refuses it outright.
        assert!(ColumnName::new("Select").is_ok());
        let err = NameRule::SqlIdentifier.check("Select").unwrap_err();
        assert!(err.reason().contains("reserved"), "{err}");
        assert!(ColumnName::new("").is_err());
        assert!(ColumnName::new("é").is_err());
    }

    #[test]
    fn every_reserved_word_is_refused_in_any_case() {
        for word in SQL_RESERVED_WORDS {
            assert_eq!(reserved_word(word), Some(*word));
            assert_eq!(reserved_word(&word.to_ascii_lowercase()), Some(*word));
            assert_eq!(reserved_word(&format!("{word}_")), None);
        }
        assert_eq!(reserved_word("SeLeCt"), Some("SELECT"));
        assert_eq!(reserved_word("selec"), None);
        assert_eq!(reserved_word("col_01"), None);
        assert_eq!(reserved_word(""), None);
        assert_eq!(reserved_word(&"a".repeat(40)), None);
    }

    #[test]
    fn display_names() {
        assert!(PlatformName::new("Azure Platform").is_ok());
        assert!(ContainerName::new("Test Azure SQL").is_ok());
        assert!(ZoneName::new("Zone ünïcode").is_ok());
        assert!(ZoneName::new("").is_err());
        assert!(ZoneName::new(" padded").is_err());
        assert!(ZoneName::new("a/b").is_err());
        assert!(ZoneName::new("a:b").is_err());
        assert!(ZoneName::new("a#b").is_err());
        assert!(ZoneName::new("tab\there").is_err());
        assert!(ZoneName::new("é".repeat(255)).is_ok());
        assert!(ZoneName::new("é".repeat(256)).is_err());
    }

    #[test]
    fn serde_goes_through_the_check() {
        let ok: DatasetName = serde_json::from_str("\"customers\"").unwrap();
        assert_eq!(ok, "customers");
        let err = serde_json::from_str::<DatasetName>("\"1drop\"").unwrap_err();
        assert!(err.to_string().contains("starts with `1`"), "{err}");
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"customers\"");
    }

    #[test]
    fn model_file_paths() {
        for good in ["hooks/monthly.wasm", "a", "team_x/hooks/v1.2-final.wasm"] {
            assert!(ModelFilePath::new(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("../other/x.wasm", "`..`"),
            ("hooks/../../x.wasm", "`..`"),
            ("hooks/.hidden.wasm", "`.hidden.wasm`"),
            ("hooks//x.wasm", "empty part"),
            ("hooks/", "empty part"),
            ("hooks\\x.wasm", "`\\\\`"),
            ("hooks/x y.wasm", "` `"),
        ] {
            let err = ModelFilePath::new(bad).unwrap_err();
            assert!(err.reason().contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn sha256_digests() {
        assert!(Sha256Digest::new("0".repeat(64)).is_ok());
        let upper = Sha256Digest::new("A".repeat(64)).unwrap_err();
        assert!(upper.reason().contains("lower-case"), "{upper}");
        let short = Sha256Digest::new("abc").unwrap_err();
        assert!(short.reason().contains("3 characters"), "{short}");
    }

    proptest::proptest! {
        /// The two path-like rules and their JSON Schema patterns accept the same strings.
        #[test]
        fn model_file_and_digest_rules_agree_with_their_schemas(
            path in "[a-z./_\\\\ -]{0,12}",
            digest in "[0-9a-fA-F]{62,66}",
        ) {
            for (rule, value) in [(NameRule::ModelFile, &path), (NameRule::Sha256, &digest)] {
                let schema = name_schema("x", rule).to_value();
                let validator = jsonschema::validator_for(&schema).unwrap();
                let by_schema = validator.is_valid(&serde_json::Value::String(value.clone()));
                proptest::prop_assert_eq!(rule.check(value).is_ok(), by_schema, "{:?} {}", rule, value);
            }
        }
    }
}
