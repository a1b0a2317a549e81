//! Model files: YAML and JSON documents, loading, writing and the JSON Schema.
//!
//! A model is one file, or a directory holding `ecosystem.yaml` and any
//! number of part documents. Every document starts with a header:
//!
//! ```yaml
//! apiVersion: datasurface.dev/v1
//! kind: Team            # Ecosystem, GovernanceZone or Team
//! zone: USA             # Team documents: the zone the team belongs to
//! name: NorthwindTeam   # GovernanceZone and Team documents: what they define
//! ```
//!
//! followed by the fields of [`Ecosystem`](datasurface_core::Ecosystem),
//! [`GovernanceZone`](datasurface_core::GovernanceZone) or [`Team`](datasurface_core::Team). So each
//! zone and each team can keep its part in its own file, in its own repository.
//!
//! Loading is pure: it takes the files' text ([`SourceFile`]) and never reads
//! the file system itself.

mod block_yaml;
mod document;
mod error;
mod explain;
mod json_schema;
mod load;
mod positions;
mod quick_positions;
mod save;
mod text_value;

pub use document::{
    API_GROUP, API_MAJOR, API_VERSION, ApiVersion, ApiVersionError, DocumentBody, DocumentKind,
    UnknownKind,
};
pub use error::{LOAD_CODES, LoadError, LoadErrorKind, LoadErrors};
pub use json_schema::{json_schema, json_schema_string};
pub use load::{
    DocumentSource, Format, LoadedModel, ParsedFile, SourceFile, assemble, from_json_str,
    from_yaml_str, load, load_both, parse, parse_pair,
};
pub use positions::{locate, to_locate, with_findings};
pub use save::{
    PLATFORM_CHOICES_FILE, SaveError, team_to_string, to_choices_string, to_directory,
    to_json_string, to_yaml_string,
};
