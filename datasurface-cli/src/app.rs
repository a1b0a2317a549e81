//! What every command runs with: the platforms known, how much to print, and
//! whether the terminal takes colours and a progress bar.

use anstyle::{AnsiColor, Style};
use datasurface_platform::PlatformRegistry;

/// How much a command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// Errors, failures and each command's last line.
    Quiet,
    /// The default.
    Normal,
    /// Also timings and what each step looked at.
    Verbose,
}

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorWhen {
    /// When standard error is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`
    /// (`CLICOLOR_FORCE` forces colours).
    #[default]
    Auto,
    /// Always, even into a file or a pipe.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether to colour, for a standard error that is or is not a terminal.
    pub(crate) fn enabled(self, terminal: bool) -> bool {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto if set("NO_COLOR") => false,
            ColorWhen::Auto if set("CLICOLOR_FORCE") => true,
            ColorWhen::Auto => {
                terminal && std::env::var_os("TERM").is_none_or(|t| t.as_os_str() != "dumb")
            }
        }
    }
}

/// What every command runs with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct App<'r> {
    /// The platforms this command line knows.
    pub(crate) registry: &'r PlatformRegistry,
    /// What the binary calls itself.
    pub(crate) name: &'r str,
    /// How much to print.
    pub(crate) verbosity: Verbosity,
    /// Whether to colour what is printed.
    pub(crate) color: bool,
    /// Whether standard error is a terminal that may show a progress bar.
    #[cfg_attr(
        not(feature = "sqlite"),
        allow(dead_code, reason = "only the engine's commands draw progress")
    )]
    pub(crate) progress: bool,
    /// The runtime environment the command works on (`--env`), if any.
    pub(crate) environment: Option<&'r str>,
}

/// The colours used, by meaning.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Paint {
    /// Errors and failures.
    Error,
    /// Warnings.
    Warning,
    /// Notes and information.
    Note,
    /// Success.
    Good,
}

impl Paint {
    fn style(self) -> Style {
        let color = |c: AnsiColor| Style::new().fg_color(Some(c.into())).bold();
        match self {
            Paint::Error => color(AnsiColor::Red),
            Paint::Warning => color(AnsiColor::Yellow),
            Paint::Note => color(AnsiColor::Cyan),
            Paint::Good => color(AnsiColor::Green),
        }
    }
}

impl App<'_> {
    /// Whether to print what `--quiet` leaves out.
    pub(crate) fn chatty(&self) -> bool {
        self.verbosity >= Verbosity::Normal
    }

    /// Whether to print what only `--verbose` asks for.
    pub(crate) fn verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    /// `text` in the colour of `paint`, when colours are on.
    pub(crate) fn paint(&self, paint: Paint, text: &str) -> String {
        paint_if(self.color, paint, text)
    }

    /// Prints `error: <message>` and says the command could not run.
    pub(crate) fn could_not_run(
        &self,
        err: &mut dyn std::io::Write,
        message: &str,
    ) -> crate::Outcome {
        let _ = writeln!(err, "{}: {message}", self.paint(Paint::Error, "error"));
        crate::Outcome::CouldNotRun
    }
}

/// `text` in the colour of `paint` if `color`.
pub(crate) fn paint_if(color: bool, paint: Paint, text: &str) -> String {
    if color {
        let style = paint.style();
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_only_when_asked() {
        assert_eq!(paint_if(false, Paint::Error, "error"), "error");
        let painted = paint_if(true, Paint::Error, "error");
        assert!(painted.starts_with("\u{1b}[") && painted.ends_with("\u{1b}[0m"));
        assert!(painted.contains("error"));
        assert!(ColorWhen::Always.enabled(false));
        assert!(!ColorWhen::Never.enabled(true));
    }
}
