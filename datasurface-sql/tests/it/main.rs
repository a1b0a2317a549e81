//! The column lineage of transformers' SQL: a table of shapes, problems
//! at their places, and properties over generated queries.

mod lineage;
mod properties;
mod read_once;
