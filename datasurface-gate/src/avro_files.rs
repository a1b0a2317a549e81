//! The Avro schema files a model names, read for its datasets.

use std::sync::Arc;

use datasurface_core::Ecosystem;
use datasurface_core::schema::AvroSource;

use crate::source::ModelSource;

/// The largest Avro schema file read, in bytes: far above any real one.
pub const MAX_AVRO_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads every Avro schema file the model's datasets name (a regular file
/// inside the model, within [`MAX_AVRO_FILE_BYTES`], with the pinned
/// SHA-256) into the model, then fills in their datasets' columns. What
/// cannot be read is left in the model as why, for the
/// `invalid-avro-schema` finding; nothing here fails.
pub fn read_avro_files(model: &mut Ecosystem, source: &dyn ModelSource) {
    let unread = |d: &datasurface_core::Dataset| matches!(&d.schema.avro, Some(AvroSource::File(file)) if file.text.is_none());
    for dataset in model.datasets_mut_where(unread) {
        if let Some(AvroSource::File(file)) = &mut dataset.schema.avro {
            file.text = Some(read_one(source, file.path.as_str(), file.sha256.as_str()));
        }
    }
    datasurface_avro::expand(model);
}

fn read_one(source: &dyn ModelSource, path: &str, pinned: &str) -> Result<Arc<str>, String> {
    let bytes = source
        .read_named(path, MAX_AVRO_FILE_BYTES)
        .map_err(|e| e.to_string())?;
    let actual = datasurface_platform::sha256_hex(&bytes);
    if actual != pinned {
        return Err(format!(
            "{path} has SHA-256 {actual}, not the pinned {pinned}; if the change is meant, pin the new digest (`sha256sum {path}`)"
        ));
    }
    String::from_utf8(bytes)
        .map(Arc::from)
        .map_err(|_| format!("{path} is not UTF-8 text"))
}
