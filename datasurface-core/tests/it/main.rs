//! The model's integration tests: properties over generated models.

mod inventory;
mod regions;
