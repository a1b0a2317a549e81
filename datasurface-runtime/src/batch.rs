//! What platforms that run jobs say when a batch fails.

/// Why a batch failed, in words for its record and the operator: the
/// dataset, row, column and value where there is one. A platform keeps it
/// as the batch's message; nothing matches on it.
///
/// ```
/// use datasurface_runtime::{batch_failure, BatchFailure};
///
/// let failure: BatchFailure = batch_failure!("dataset `{}`, row {}: a repeated key", "orders", 7);
/// assert_eq!(failure, "dataset `orders`, row 7: a repeated key");
/// assert!(failure.contains("repeated"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BatchFailure(String);

impl BatchFailure {
    /// The failure an error of a library reports, in its words.
    pub fn from_error(error: impl std::fmt::Display) -> Self {
        BatchFailure(error.to_string())
    }

    /// A snapshot of `dataset` came back empty while `live` rows are live
    /// from the last batch: every platform refuses it in these words.
    ///
    /// ```
    /// use datasurface_runtime::BatchFailure;
    ///
    /// let refused = BatchFailure::empty_snapshot("orders", 42);
    /// assert!(refused.contains("42 rows are live"));
    /// assert!(refused.contains("allowEmptySnapshot: true"));
    /// ```
    pub fn empty_snapshot(dataset: &str, live: impl std::fmt::Display) -> Self {
        BatchFailure(format!(
            "the snapshot of dataset `{dataset}` has no rows, but {live} rows are live from the last batch: an empty source is more often broken than emptied, so nothing was deleted; if it is really empty now, set `allowEmptySnapshot: true` on the dataset"
        ))
    }
}

impl From<String> for BatchFailure {
    fn from(message: String) -> Self {
        BatchFailure(message)
    }
}

impl From<&str> for BatchFailure {
    fn from(message: &str) -> Self {
        BatchFailure(message.to_owned())
    }
}

impl std::ops::Deref for BatchFailure {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for BatchFailure {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A [`BatchFailure`] worded with `format!`.
#[macro_export]
macro_rules! batch_failure {
    ($($arg:tt)*) => {
        $crate::BatchFailure::from(format!($($arg)*))
    };
}
