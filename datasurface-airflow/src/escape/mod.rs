//! Escaping: the one place each target language's quoting lives. Every value
//! the platform writes into a generated artifact goes through here, so an
//! audit reads these files and nothing else.
//!
//! | language | where it lands | function |
//! |---|---|---|
//! | JSON | DAG specs, job specs, the chunk manifest | `serde_json`, never by hand |
//! | Jinja | Airflow's templated task fields (in the DAG specs) | [`jinja::inert`] |
//! | Python | no model text: the DAG files are one fixed program; Jinja's string literals are Python's | [`python::str_literal`] |
//! | POSIX shell | the local executor's `bash_command` | [`shell::word`] |
//! | SQL | string literals (identifiers: [`crate::names::quoted`]) | [`sql::literal`] |
//! | Markdown | `airflow/secrets.md` | [`markdown::code`] |
//! | `COPY` text | rows streamed into staging | [`crate::copy_text`] |

pub mod jinja;
pub mod markdown;
pub mod python;
pub mod shell;
pub mod sql;
