//! Why a command could not do its work, for the person at the terminal:
//! what went wrong and, where known, how to fix it.

use std::fmt;

/// A failure a command reports before it stops: a message and an optional
/// help line, printed as `message` then `  help: …` on its own line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    message: String,
    help: Option<String>,
}

impl Problem {
    /// A problem with no help line.
    pub(crate) fn new(message: impl fmt::Display) -> Self {
        Problem {
            message: message.to_string(),
            help: None,
        }
    }

    /// The problem with a line that says how to fix it.
    pub(crate) fn help(mut self, help: impl fmt::Display) -> Self {
        self.help = Some(help.to_string());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::Problem;

    #[test]
    fn help_goes_on_its_own_line() {
        assert_eq!(Problem::new("no").to_string(), "no");
        assert_eq!(
            Problem::new("cannot read x")
                .help("render it first")
                .to_string(),
            "cannot read x\n  help: render it first"
        );
    }
}
