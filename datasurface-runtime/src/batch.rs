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
