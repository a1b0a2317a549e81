//! Avro schemas in a model: reading a dataset's, and filling in its columns.

use datasurface_core::names::ColumnName;
use datasurface_core::schema::Column;
use datasurface_core::schema::{AvroSource, Schema};
use datasurface_core::{Ecosystem, OrderedMap};

use crate::parse::{AvroError, parse, parse_str};
use crate::schema::AvroSchema;

/// Why a dataset's Avro schema could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceProblem {
    /// The file was not read: the model was not loaded from its directory.
    NotRead,
    /// The file could not be read, or is not the pinned one: why.
    Unreadable(String),
    /// The schema is not a valid Avro record for a dataset.
    Invalid(Vec<AvroError>),
}

/// A dataset's Avro record and the columns it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetAvro {
    /// The record, parsed and validated.
    pub schema: AvroSchema,
    /// Its fields as columns.
    pub columns: OrderedMap<ColumnName, Column>,
}

/// A dataset's Avro schema, parsed and validated (a file's, from the text
/// its reader left in the model), and the columns it makes.
pub fn dataset_schema(source: &AvroSource) -> Result<DatasetAvro, SourceProblem> {
    let schema = match source {
        AvroSource::Inline(json) => parse(json),
        AvroSource::File(file) => match &file.text {
            None => return Err(SourceProblem::NotRead),
            Some(Err(why)) => return Err(SourceProblem::Unreadable(why.clone())),
            Some(Ok(text)) => parse_str(text),
        },
    }
    .map_err(SourceProblem::Invalid)?;
    let columns = crate::columns(&schema).map_err(SourceProblem::Invalid)?;
    Ok(DatasetAvro { schema, columns })
}

/// Fills in the columns of every dataset whose schema is a valid Avro
/// record and that writes none. Idempotent; what it cannot fill in, the
/// `invalid-avro-schema` rule reports.
pub fn expand(model: &mut Ecosystem) {
    let unexpanded =
        |d: &datasurface_core::Dataset| d.schema.columns.is_empty() && d.schema.avro.is_some();
    for dataset in model.datasets_mut_where(unexpanded) {
        expand_schema(&mut dataset.schema);
    }
}

fn expand_schema(schema: &mut Schema) {
    if !schema.columns.is_empty() {
        return;
    }
    let Some(source) = &schema.avro else { return };
    if let Ok(avro) = dataset_schema(source) {
        schema.columns = avro.columns;
    }
}
