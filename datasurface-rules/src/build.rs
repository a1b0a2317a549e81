//! Building a model in code, and validating it in the same call.

use datasurface_core::build::{BuildProblems, EcosystemBuilder};
use datasurface_core::diagnostic::Report;

use crate::validate::{ValidEcosystem, validate};

/// Why [`BuildValid::build_valid`] gave no valid ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Names or values could not be used: the model could not be put together.
    #[error(transparent)]
    Problems(#[from] BuildProblems),
    /// The model was put together, and validation found errors.
    #[error("{0}")]
    Invalid(Box<Report>),
}

/// `build_valid` for the model's builders: build, then validate.
pub trait BuildValid {
    /// The validated ecosystem, or why there is none: the problems of
    /// `build`, or the validation report. The graph and platform checks of
    /// the command line's gate need the platforms' implementations:
    /// `datasurface_platform::gate` runs them all.
    ///
    /// ```
    /// use datasurface_rules::{BuildError, BuildValid};
    /// # use datasurface_core::Ecosystem;
    /// let result = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .assign("Reports", "Main", "Local")
    ///     .build_valid();
    /// let Err(BuildError::Invalid(report)) = result else { panic!("valid?") };
    /// assert!(report.has_errors());
    /// ```
    fn build_valid(self) -> Result<ValidEcosystem, BuildError>;
}

impl BuildValid for EcosystemBuilder {
    fn build_valid(self) -> Result<ValidEcosystem, BuildError> {
        let eco = self.build()?;
        validate(eco).map_err(|report| BuildError::Invalid(Box::new(report)))
    }
}
