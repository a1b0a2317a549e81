//! The datasurface ecosystem model, as plain Rust data.
//!
//! An enterprise's data ecosystem: governance zones and their teams;
//! producers ([`Datastore`]s holding [`Dataset`]s with [`Schema`]s, captured
//! as [`CaptureMetadata`] says); consumers ([`Workspace`]s with
//! [`DatasetGroup`]s of [`DatasetSink`]s and [`PlatformRequirements`]);
//! [`DataTransformer`]s; infrastructure vendors and locations; zone policies;
//! and the [`PlatformDeclaration`]s that do the work, with the
//! [`DatasetGroupAssignment`]s that say which platform delivers what.
//!
//! The model is pure data: it does no IO and reads no clock. Names are
//! validated newtypes ([`names`]), cross-references are typed names, and maps
//! keep authoring order. Beside the data sit what every later layer speaks:
//! [`diagnostic`]s, ownership [`regions`], who may use which
//! [`resources`], and the [`index`] and [`places`] that find things fast.
//!
//! The v1 file format is `datasurface-files`; validation and change
//! verification are `datasurface-rules`; `datasurface-model` re-exports all
//! three under one name.
//!
//! # Building a model in code
//!
//! ```
//! use datasurface_core::*;
//! use datasurface_core::names::*;
//! use datasurface_core::types::Text;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let repo = |name: &str| -> Result<Repository, NameError> {
//!     Ok(Repository::github(RepositoryName::new(name)?, BranchName::new("main")?))
//! };
//! let mut eco = Ecosystem::new(EcosystemName::new("Acme")?, repo("acme/eco")?, repo("acme/eco-live")?);
//! eco.zone_declarations.insert(
//!     ZoneName::new("USA")?,
//!     ZoneDeclaration { repository: repo("acme/usa")?, documentation: None },
//! );
//!
//! let mut schema = Schema::default();
//! schema.columns.insert(ColumnName::new("id")?, Column::required(DataType::Integer));
//! schema.columns.insert(ColumnName::new("name")?, Column::new(DataType::VarChar(Text::max(100))));
//! schema.primary_key.push(ColumnName::new("id")?);
//! assert!(schema.is_primary_key(&ColumnName::new("id")?));
//! assert_eq!(eco.zone_declarations.len(), 1);
//! # Ok(())
//! # }
//! ```

pub mod build;
pub mod capture;
pub mod common;
pub mod container;
pub mod cron;
pub mod datastore;
pub mod diagnostic;
pub mod ecosystem;
pub mod environment;
pub mod exceptions;
pub mod grant;
pub mod hook;
pub mod index;
pub mod inventory;
pub mod kinds;
pub mod names;
pub mod places;
pub mod platform;
pub mod policy;
pub mod quality;
pub mod regions;
pub mod repository;
pub mod resources;
pub mod schema;
pub mod types;
pub mod vendor;
pub mod workspace;
pub mod zone;

mod serde_util;

/// The maps of the model: entries in the order they were written (so output
/// is byte-identical for the same input), hashed by `foldhash` with a seed
/// chosen per process. A model of 100,000 datasets makes millions of map
/// entries, and the standard library's `SipHash` was a tenth of `check`.
///
/// Build one with `OrderedMap::default()` or `collect()`.
pub type OrderedMap<K, V> = indexmap::IndexMap<K, V, MapHasher>;

/// The hasher of [`OrderedMap`].
pub type MapHasher = foldhash::fast::RandomState;

pub use capture::{
    CaptureMetadata, CaptureMethod, Credential, CredentialType, Ingestion, IngestionConsistency,
    StepTrigger, TransformerOutput,
};
pub use common::{Deprecation, DeprecationStatus, Documentation, ProductionStatus};
pub use container::{ContainerKind, DataContainer, DatabaseEngine};
pub use datastore::{Dataset, DatasetApproval, Datastore};
pub use ecosystem::{Ecosystem, TeamLocation};
pub use environment::{Environment, EnvironmentPlatform, ReleaseSelector};
pub use exceptions::{BreakApproval, Exceptions, Suppression};
pub use grant::{CredentialDeclaration, Grantee};
pub use hook::{FailurePolicy, Hook, HookEventKind, HookLimits};
pub use kinds::{CaptureKind, CodeKind, ContainerCategory, TriggerKind};
pub use names::NameError;
pub use platform::{
    AdvanceTiming, AdvanceWindow, AssignmentStatus, Cadence, DatasetGroupAssignment, HintTarget,
    PlatformAssignment, PlatformChoices, PlatformDeclaration, PlatformHint, RecordedChoice,
};
pub use policy::{
    AllowDenyPolicy, ClassificationKind, DataClassification, PolicyMandate, StoragePolicy,
};
pub use repository::{Repository, RepositoryHost, RepositoryParseError};
pub use schema::{AvroFile, AvroSource, Column, Schema};
pub use types::{DataType, TypeKind};
pub use vendor::{CloudVendor, InfrastructureLocation, InfrastructureVendor, LocationRef};
pub use workspace::{
    CodeArtifact, DataTransformer, DatasetGroup, DatasetSink, DeprecationsAllowed, Latency,
    Milestoning, PlatformRequirements, RetentionPeriod, TransformerLimits, Workspace,
    WorkspacePriority,
};
pub use zone::{GovernanceZone, Team, TeamDeclaration, ZoneDeclaration};
