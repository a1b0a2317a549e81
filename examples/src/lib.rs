//! Examples of datasurface.
//!
//! [`northwind`] is the Northwind ecosystem of the `DataPlatform` design
//! built in code with the model's builder
//! ([`datasurface_core::build`]): the same model as the YAML directory
//! `examples/models/northwind`, which a test checks. Its source is the test
//! fixture `datasurface_fixtures::northwind` (124 lines against the
//! YAML's 177), so tests extend the very model shown here; run `cargo run
//! -p datasurface-examples --example build_in_code` to validate it and print
//! it as YAML. [`dbt::Dbt`] is a complete third-party platform.

pub mod dbt;

pub use datasurface_fixtures::northwind;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
