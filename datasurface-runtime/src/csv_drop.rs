//! Reading CSV drop files: a malformed row described in the words a data
//! team fixes it by, the same on every platform that reads drops.

/// Where in the file a record that could not be read is (`":<line>"`, or
/// empty when the reader does not know), and what is wrong with it.
///
/// ```
/// let mut reader = csv::Reader::from_reader("id,name,amount\n1,tea\n".as_bytes());
/// let mut record = csv::StringRecord::new();
/// let error = reader.read_record(&mut record).unwrap_err();
/// let (line, what) = datasurface_runtime::csv_drop::record_problem(&error);
/// assert_eq!(line, ":2");
/// assert_eq!(
///     what,
///     "the row has 2 fields, but the header names 3 columns; give every row one field per column (an empty field for no value), and quote a field that holds a comma"
/// );
/// ```
pub fn record_problem(error: &csv::Error) -> (String, String) {
    let line = error
        .position()
        .map_or(String::new(), |p| format!(":{}", p.line()));
    let what = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "the row has {len} field{}, but the header names {expected_len} column{}; give every row one field per column (an empty field for no value), and quote a field that holds a comma",
            if *len == 1 { "" } else { "s" },
            if *expected_len == 1 { "" } else { "s" },
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "the row is not UTF-8 text; save the file as UTF-8".to_owned()
        }
        csv::ErrorKind::Io(e) => format!("cannot read it: {e}"),
        _ => error.to_string(),
    };
    (line, what)
}
