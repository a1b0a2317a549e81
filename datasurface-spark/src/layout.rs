//! Where a stream's tables and batch records are in the warehouse: a layout
//! of plain Parquet directories and JSON files that any engine can read.
//!
//! ```text
//! <warehouse>/<stream>/
//!     meta/committed/<batch>.json        one per committed batch: the commit point
//!     meta/runs/<batch>.json             the latest attempt at each batch
//!     meta/totals.json                   the committed batches added up, through one
//!     meta/decisions/<n>.json            a transformer output's hook decisions
//!     meta/decisions/totals.json         the decisions counted by action, through one
//!     tables/<dataset>/live/ds_batch=<batch>/part-*.parquet
//!     tables/<dataset>/history/ds_batch_out=<batch>/part-*.parquet
//! ```
//!
//! A dataset's live rows are the `live` partition of the highest committed
//! batch (each batch writes the whole live table anew, copy on write); its
//! closed versions are the `history` partitions up to that batch, each
//! holding the versions that batch closed. A batch that is not committed
//! is never read: readers take the highest batch in `meta/committed`, and
//! a killed run's partitions are removed before the batch is run again.
//!
//! Every model name becomes one path segment through [`segment`], which
//! keeps distinct names distinct.

/// The live partition's column: the batch that wrote the live table.
pub const LIVE_PARTITION: &str = "ds_batch";
/// The history partition's column: the batch that closed the versions.
pub const HISTORY_PARTITION: &str = "ds_batch_out";
/// The column of a row version's first batch.
pub const BATCH_IN: &str = "ds_surf_batch_in";
/// The column of a row's hash over every column, which tells changed rows.
pub const ROW_HASH: &str = "ds_surf_all_hash";
/// The file, in a stream's `meta` (and in its `meta/decisions`), that adds
/// up the records through one batch (or decision): `{"through": n, …}`. It
/// is a cache: the records are the truth, and readers add those after `n`.
pub const TOTALS: &str = "totals.json";

/// A model name as one path segment of a file system or object store.
///
/// ASCII letters, digits, `-` and `_` stay as they are, and `.` too after
/// the first character; every other byte of the name's UTF-8 is written as
/// `~` and two hex digits. So no segment is `.` or `..`, none holds a `/`,
/// `:`, `%` or `=` (which Hadoop paths and Spark's partition discovery
/// read), none starts with `_` or `.` (which Spark skips as hidden files),
/// and two distinct names never share a segment. Case stays: the platform's
/// lint refuses names that differ only in case, which a case-insensitive
/// store would merge.
///
/// ```
/// use datasurface_spark::layout::segment;
///
/// assert_eq!(segment("NW_Data"), "NW_Data");
/// assert_eq!(segment("Mart A/../x"), "Mart~20A~2F..~2Fx");
/// assert_eq!(segment("_hidden"), "~5Fhidden");
/// ```
pub fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (at, byte) in name.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric()
            || byte == b'-'
            || (at > 0 && (byte == b'_' || byte == b'.'));
        if plain {
            out.push(char::from(byte));
        } else {
            out.push('~');
            out.push(hex(byte >> 4));
            out.push(hex(byte & 0xf));
        }
    }
    out
}

fn hex(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0xf)])
}

/// A stream's directory under the warehouse: its datastore's segment, and
/// for a single-dataset stream the dataset's after `#` (written `~23`).
pub fn stream_dir(warehouse: &str, stream: &str) -> String {
    format!("{}/{}", warehouse.trim_end_matches('/'), segment(stream))
}

/// A dataset's directory under its stream's.
pub fn table_dir(stream_dir: &str, dataset: &str) -> String {
    format!("{stream_dir}/tables/{}", segment(dataset))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// How a reader gets a name back from its segment.
    fn unsegment(segment: &str) -> Option<String> {
        let mut bytes = Vec::new();
        let mut rest = segment.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            if b == b'~' {
                let digits = std::str::from_utf8(tail.get(..2)?).ok()?;
                bytes.push(u8::from_str_radix(digits, 16).ok()?);
                rest = &tail[2..];
            } else {
                bytes.push(b);
                rest = tail;
            }
        }
        String::from_utf8(bytes).ok()
    }

    proptest! {
        /// A segment reads back as its name, so distinct names never share
        /// one, and it is safe as a path segment.
        #[test]
        fn a_segment_is_safe_and_reads_back(name in any::<String>()) {
            let s = segment(&name);
            prop_assert_eq!(unsegment(&s), Some(name.clone()));
            prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)), "{}", s);
            prop_assert!(!s.starts_with(['_', '.']), "{}", s);
        }
    }

    /// The driver program writes and reads the layout by the same names.
    #[test]
    fn the_driver_uses_the_layouts_names() {
        for (name, value) in [
            ("LIVE_PARTITION", LIVE_PARTITION),
            ("HISTORY_PARTITION", HISTORY_PARTITION),
            ("BATCH_IN", BATCH_IN),
            ("ROW_HASH", ROW_HASH),
            ("TOTALS", TOTALS),
        ] {
            let line = format!("\n{name} = \"{value}\"\n");
            assert!(
                crate::DRIVER_PROGRAM.contains(&line),
                "the driver has no {line:?}"
            );
        }
    }

    #[test]
    fn a_stream_of_one_dataset_has_its_own_directory() {
        assert_eq!(stream_dir("/w/", "S#d"), "/w/S~23d");
        assert_eq!(table_dir("/w/S", "orders"), "/w/S/tables/orders");
    }
}
