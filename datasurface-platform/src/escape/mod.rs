//! Escaping: a value written into a generated artifact, made to read back as
//! exactly that value in the artifact's language. Every model field is
//! untrusted (each team writes its own files), so a platform writes every
//! name and every piece of free text through one of these functions, and an
//! audit reads this module and nothing else.
//!
//! | language | function |
//! |---|---|
//! | SQL identifiers and string literals, by dialect | [`sql::Dialect::ident`], [`sql::Dialect::literal`] |
//! | JSON strings | [`json::string`] |
//! | YAML scalars | [`yaml::scalar`] |
//! | HCL and Terraform strings (native and JSON syntax), template markers doubled | [`hcl::string`], [`hcl::json_string`] |
//! | POSIX shell words | [`shell::word`] |
//! | JDBC connection URLs | [`jdbc::url`] |
//! | Python string literals and docstrings | [`python::str_literal`], [`python::docstring`] |
//!
//! Each returns the whole quoted token, quotes included, so it is placed
//! where a token goes and never inside another quote:
//!
//! ```
//! use datasurface_platform::escape::{json, python, shell, sql::Dialect, yaml};
//!
//! let name = "Mart A'; DROP TABLE x; --";
//! assert_eq!(
//!     format!("SELECT * FROM {}", Dialect::Postgres.ident(name)),
//!     r#"SELECT * FROM "Mart A'; DROP TABLE x; --""#
//! );
//! assert_eq!(Dialect::FlinkSql.literal("it's"), "'it''s'");
//! assert_eq!(json::string("a\"b"), r#""a\"b""#);
//! assert_eq!(yaml::scalar("yes"), r#""yes""#);
//! assert_eq!(shell::word("$(id)"), "'$(id)'");
//! assert_eq!(python::str_literal("\n"), r#""\n""#);
//! ```

pub mod hcl;
pub mod jdbc;
pub mod json;
pub mod python;
pub mod shell;
pub mod sql;
pub mod yaml;

/// `text` between double quotes, in the backslash escapes JSON, Python and
/// YAML share: `\"`, `\\`, `\n`, `\r`, `\t`, and `\uXXXX` for every other
/// control character and for each character of `also` (each language adds
/// the characters that would end its line or its embedding; all of them, as
/// every control character, are in the Basic Multilingual Plane).
fn double_quoted(text: &str, also: &[char]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || also.contains(&c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
