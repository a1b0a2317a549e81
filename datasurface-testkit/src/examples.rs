//! Runs the examples of a platform's own diagnostic codes, as the model's
//! rules run theirs: each code a platform declares in
//! [`DataPlatform::codes`] carries an edit of a valid base model and the
//! report that edit gives; [`check_code_examples`] applies each edit, runs
//! the gate's platform checks, and compares.

use std::fmt;
use std::sync::Arc;

use datasurface_files::{self as files, SourceFile};
use datasurface_platform::{DataPlatform, PlatformRegistry, check_platforms, graph};
use datasurface_rules::validate::{CodeInfo, Report, rules::BASE_MODEL, validate};

/// The name of the example models' file, as their reports cite it.
pub const EXAMPLE_FILE: &str = "model.yaml";

/// A valid base model for a platform's code examples: the model every
/// validation rule's example edits, whose one platform (`Batch`) is of
/// `kind`, with `version` as its requirement and `parameters` (YAML flow
/// mappings, such as `{sources: {"Sales DB": data/sales.sqlite}}`, or empty).
pub fn example_base(kind: &str, version: &str, parameters: &str) -> String {
    let mut declaration = format!("    kind: {kind}\n    version: {version}\n");
    if !parameters.is_empty() {
        declaration = format!("{declaration}    parameters: {parameters}\n");
    }
    BASE_MODEL.replacen("    kind: sqlite\n    version: ^0.1\n", &declaration, 1)
}

/// A code example that does not give the report its entry documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The code whose example failed.
    pub code: &'static str,
    /// What went wrong, with the report it gave where it ran.
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "example of `{}`: {}", self.code, self.problem)
    }
}

/// Checks every code `platform` declares: each has an example; the base
/// model reports none of it; and the example's edits of `base` (see
/// [`example_base`]) give exactly the documented report of that code, as
/// `datasurface check --format short` prints it for a file named [`EXAMPLE_FILE`].
///
/// Returns the failures; none means every example holds.
pub fn check_code_examples(platform: Arc<dyn DataPlatform>, base: &str) -> Vec<ExampleFailure> {
    let codes: &'static [CodeInfo] = platform.codes();
    let mut registry = PlatformRegistry::new();
    registry.register(platform);
    check_examples(&registry, codes, base)
}

/// Checks the examples of `codes` as [`check_code_examples`] does, with
/// every platform of `registry`: for codes that are no one platform's, such
/// as [`datasurface_platform::PLATFORM_CODES`], whose examples may change a
/// platform's kind.
pub fn check_examples(
    registry: &PlatformRegistry,
    codes: &[CodeInfo],
    base: &str,
) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let base_report = match platform_report(registry, base) {
        Ok(report) => report,
        Err(problem) => {
            return vec![ExampleFailure {
                code: "(base model)",
                problem: problem.to_string(),
            }];
        }
    };
    for info in codes {
        let fail = |problem: String| ExampleFailure {
            code: info.code,
            problem,
        };
        let Some(example) = &info.example else {
            failures.push(fail(
                "the code has no example: add one with `CodeInfo::with_example`".into(),
            ));
            continue;
        };
        let fired = base_report.only(info.code);
        if !fired.is_empty() {
            failures.push(fail(format!("the base model already reports it:\n{fired}")));
            continue;
        }
        let text = match apply_edits(base, example.edits) {
            Ok(text) => text,
            Err(problem) => {
                failures.push(fail(problem.to_string()));
                continue;
            }
        };
        let report = match platform_report(registry, &text) {
            Ok(report) => report.only(info.code),
            Err(problem) => {
                failures.push(fail(problem.to_string()));
                continue;
            }
        };
        let got = report.to_string();
        if got.trim_end() != example.finding.trim_end() {
            failures.push(fail(format!(
                "it documents\n{}\nbut the edited model reports\n{got}",
                example.finding
            )));
        }
    }
    failures
}

/// Why a model text could not be checked, or an example not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Broken {
    /// An example's edit does not match the base model exactly once.
    #[error("the edit's text matches the base model {matches} times, not once:\n{find}")]
    Edit {
        /// How many times it matches.
        matches: usize,
        /// The text it looks for.
        find: String,
    },
    /// The model text does not load.
    #[error("the model does not load: {0}")]
    Load(files::LoadErrors),
    /// The model breaks a model rule.
    #[error("the model is not valid:\n{0}")]
    Invalid(Report),
}

/// Applies `(find, replace)` edits, each of whose `find` must match once.
pub(crate) fn apply_edits(base: &str, edits: &[(&str, &str)]) -> Result<String, Broken> {
    let mut text = base.to_owned();
    for (find, replace) in edits {
        let matches = text.matches(find).count();
        if matches != 1 {
            return Err(Broken::Edit {
                matches,
                find: (*find).to_owned(),
            });
        }
        text = text.replacen(find, replace, 1);
    }
    Ok(text)
}

/// What the gate's platform checks report on a model, located in its file.
/// What `datasurface check` reports about one model file, [`EXAMPLE_FILE`]
/// holding `text`, with `platform` registered: the platforms' findings
/// (the model's own rules must pass), located in the file. For testing a
/// platform's checks on a model written out in a test.
///
/// # Errors
/// When the text does not load, or the model breaks a model rule.
pub fn check_model_text(platform: Arc<dyn DataPlatform>, text: &str) -> Result<Report, Broken> {
    let mut registry = PlatformRegistry::new();
    registry.register(platform);
    platform_report(&registry, text)
}

fn platform_report(registry: &PlatformRegistry, text: &str) -> Result<Report, Broken> {
    let sources = [SourceFile::new(EXAMPLE_FILE, text)];
    let loaded = files::load(&sources).map_err(Broken::Load)?;
    let valid = validate(loaded.ecosystem).map_err(Broken::Invalid)?;
    let graphs = graph::build(&valid);
    let mut report = check_platforms(registry, &valid, &graphs, &[]);
    files::locate(&mut report, &loaded.documents, &sources);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_must_match_once() {
        assert_eq!(
            apply_edits("a b", &[("a", "c")]).ok(),
            Some("c b".to_owned())
        );
        let twice = apply_edits("a a", &[("a", "c")]).unwrap_err().to_string();
        assert!(twice.contains("2 times"), "{twice}");
        let never = apply_edits("a", &[("z", "c")]).unwrap_err().to_string();
        assert!(never.contains("0 times"), "{never}");
    }

    #[test]
    fn the_base_names_the_kind_and_parameters() {
        let base = example_base("acme", "^1", "{region: eu}");
        assert!(base.contains("    kind: acme\n    version: ^1\n    parameters: {region: eu}\n"));
        assert!(!base.contains("kind: sqlite"));
    }
}
