//! datasurface datasets as data contracts other tools read and write.
//!
//! A dataset in a datasurface model is a data contract: a schema, an owner,
//! classifications and the consumers it binds. This crate speaks the
//! [Open Data Contract Standard](https://bitol-io.github.io/open-data-contract-standard/)
//! (ODCS) v3.1.0, which `datacontract-cli`, DataHub and OpenMetadata read:
//!
//! - [`export`] writes a contract per datastore (or per dataset): each
//!   dataset a table of the contract's `schema`, each column a property with
//!   its logical type and options, a SQL physical type, primary and partition
//!   keys, nullability (`required`), classifications and documentation; the
//!   owning team, zone (`domain`) and ecosystem (`tenant`); the owning
//!   repository and the consumers that read each dataset as custom
//!   properties.
//! - [`import`] turns contracts into a team's datastores, failing with every
//!   field it cannot express (a type with no datasurface equal, a table
//!   without a primary key) and listing what it leaves out (quality rules,
//!   SLAs, servers, people).
//!
//! What ODCS has no field for, datasurface writes as custom properties named
//! `datasurface…`, so export then import gives back an equal datastore
//! (everything but how it is captured, which a contract does not say and
//! [`ImportOptions::capture`] gives). Pure: no IO; the CLI reads and writes
//! the files (`datasurface contract export`, `datasurface contract import`).
//!
//! ```
//! use datasurface_contract::{ExportOptions, export};
//!
//! let model = datasurface_fixtures::northwind().build()?;
//! let contracts = export(&model, &ExportOptions::default())?;
//! assert_eq!(contracts[0].file_name, "NW_Data.odcs.yaml");
//! assert_eq!(contracts[0].contract.schema.len(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod columns;
mod export;
mod import;
mod notes;
pub mod odcs;
mod quality;
mod types;

pub use export::{ExportError, ExportOptions, Exported, export};
pub use import::{ContractFile, ImportError, ImportOptions, Imported, import};
pub use notes::Note;

/// Why a contract could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write the contract as YAML: {0}")]
pub struct ContractError(String);

/// A contract as a YAML document.
pub fn to_yaml(contract: &odcs::Contract) -> Result<String, ContractError> {
    serde_saphyr::to_string(contract).map_err(|e| ContractError(e.to_string()))
}
