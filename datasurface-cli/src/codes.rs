//! Every diagnostic code any command prints, for `explain`, the catalogue
//! (`docs/diagnostics.md`) and SARIF's rule list: validation's rules and change
//! verification's codes (from the model crate), loading's, the graph
//! builder's, the platform pipeline's, and each registered platform's own.

use std::io::Write;

use datasurface_platform::PlatformRegistry;
use datasurface_rules::catalogue::{self, code_section, explain_listed};
use datasurface_rules::validate::{self, CodeInfo};

use crate::Outcome;
use crate::app::App;
use crate::args::ExplainArgs;

/// A group of listed codes with a heading in the catalogue.
struct Section {
    title: String,
    intro: String,
    area: String,
    codes: &'static [CodeInfo],
}

/// The listed codes beyond validation's rules and verification's, in catalogue order.
fn sections(registry: &PlatformRegistry) -> Vec<Section> {
    let mut sections = vec![
        Section {
            title: "Loading model files".into(),
            intro: "Every command that reads a model reports these before validating it:".into(),
            area: "loading model files".into(),
            codes: datasurface_files::LOAD_CODES,
        },
        Section {
            title: "Intention graphs".into(),
            intro: "`datasurface check` and `verify` report these once a model validates, as do `graph`, `render` and `up`:".into(),
            area: "intention graphs".into(),
            codes: datasurface_graph::GRAPH_CODES,
        },
        Section {
            title: "Data platforms".into(),
            intro: "`datasurface check` and `verify` report these for every platform the model declares; `render`, `plan`, `apply` and `up` for the one they render:".into(),
            area: "data platforms".into(),
            codes: datasurface_platform::PLATFORM_CODES,
        },
        Section {
            title: "Platform choice".into(),
            intro: "`datasurface check` and `verify` report these for each dataset group the ecosystem does not assign:".into(),
            area: "platform choice".into(),
            codes: datasurface_gate::CHOICE_CODES,
        },
        Section {
            title: "Environments".into(),
            intro: "`datasurface check` and `verify` report these for every environment the model declares:".into(),
            area: "environments".into(),
            codes: datasurface_gate::ENVIRONMENT_CODES,
        },
        Section {
            title: "Hooks".into(),
            intro: "`datasurface check` and `verify` report these for every hook module a model names:".into(),
            area: "hooks".into(),
            codes: datasurface_gate::HOOK_CODES,
        },
    ];
    for kind in registry.kinds() {
        let Some(platform) = registry.get(kind) else {
            continue;
        };
        if platform.codes().is_empty() {
            continue;
        }
        sections.push(Section {
            title: format!("The `{kind}` platform"),
            intro: format!(
                "Platforms of kind `{kind}` report these about their own parameters and needs, in `check`, `verify` and `render`:"
            ),
            area: format!("the `{kind}` platform"),
            codes: platform.codes(),
        });
    }
    sections
}

/// One line for every code: its severity, the code and its summary, with
/// how to read more.
pub(crate) fn index(registry: &PlatformRegistry) -> String {
    let codes = all(registry);
    let width = codes.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in &codes {
        let severity = c.severity.to_string();
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!("{severity:<7}  {:<width$}  {}\n", c.code, c.summary),
        );
    }
    let _ = std::fmt::Write::write_fmt(
        &mut out,
        format_args!(
            "\n{} codes; `datasurface explain CODE` explains one with an example, `--all` prints them all in Markdown (docs/diagnostics.md)\n",
            codes.len()
        ),
    );
    out
}

/// The catalogue of every code, in Markdown: the text of `docs/diagnostics.md`.
pub(crate) fn catalogue(registry: &PlatformRegistry) -> String {
    let mut out = catalogue::catalogue();
    for s in sections(registry) {
        out.push_str(&code_section(&s.title, &s.intro, s.codes));
    }
    out
}

/// Every code with its severity, summary and explanation.
pub(crate) fn all(registry: &PlatformRegistry) -> Vec<CodeInfo> {
    let mut all: Vec<CodeInfo> = validate::rules::RULES.iter().map(|r| r.info).collect();
    all.extend(datasurface_rules::verify::VERIFY_CODES.iter().copied());
    for s in sections(registry) {
        all.extend(s.codes.iter().copied());
    }
    all
}

/// A code's explanation, if any command can print it.
fn explanation(registry: &PlatformRegistry, code: &str) -> Option<String> {
    catalogue::explain(code).or_else(|| {
        sections(registry)
            .iter()
            .find_map(|s| explain_listed(code, &s.area, s.codes))
    })
}

/// The known code nearest to an unknown one, if any is near.
fn nearest<'a>(code: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(code, k), *k))
        .filter(|(distance, k)| *distance <= (k.len() / 3).max(2) || k.contains(code))
        .min()
        .map(|(_, k)| k)
}

/// `datasurface explain CODE` and `datasurface explain --all`.
pub(crate) fn explain(
    app: &App<'_>,
    args: &ExplainArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    if let Some(kind) = args.platform.as_deref() {
        return explain_platform(app, kind.trim(), out, err);
    }
    let text = match (args.all, args.code.as_deref()) {
        (true, _) => Some(catalogue(app.registry)),
        (false, None) => Some(index(app.registry)),
        (false, Some(code)) => explanation(app.registry, code.trim()),
    };
    let code = args.code.as_deref().unwrap_or_default().trim();
    let Some(text) = text else {
        let codes = all(app.registry);
        let known: Vec<&str> = codes.iter().map(|c| c.code).collect();
        let hint = match nearest(code, &known) {
            Some(near) => format!("did you mean `{near}`? "),
            None => String::new(),
        };
        let _ = writeln!(
            err,
            "{}: unknown diagnostic code `{code}`\n  help: {hint}`datasurface explain --all` lists every code ({} of them), or see docs/diagnostics.md",
            app.paint(crate::app::Paint::Error, "error"),
            known.len()
        );
        return Outcome::CouldNotRun;
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => Outcome::Success,
        Err(_) => Outcome::CouldNotRun,
    }
}

/// `explain --platform KIND`: the parameters a registered platform kind
/// reads, from the schema of its parameter type.
fn explain_platform(
    app: &App<'_>,
    kind: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let Some(platform) = app.registry.get(kind) else {
        let kinds = app.registry.kinds();
        let _ = writeln!(
            err,
            "{}: no platform kind `{}` in this build\n  help: {}",
            app.paint(crate::app::Paint::Error, "error"),
            datasurface_stdx::text::for_terminal(kind),
            datasurface_stdx::suggest::suggest(kind, &kinds, "the kinds it has")
        );
        return Outcome::CouldNotRun;
    };
    match out.write_all(platform_parameters(platform.as_ref()).as_bytes()) {
        Ok(()) => Outcome::Success,
        Err(_) => Outcome::CouldNotRun,
    }
}

/// A platform's parameters, for people.
fn platform_parameters(platform: &dyn datasurface_platform::DataPlatform) -> String {
    use std::fmt::Write as _;
    let kind = platform.kind();
    let mut text = String::new();
    let Some(schema) = platform.parameters() else {
        let _ = writeln!(
            text,
            "The `{kind}` platform ({}) does not describe its parameters.",
            platform.version()
        );
        return text;
    };
    let docs = datasurface_platform::describe_parameters(&schema);
    if docs.is_empty() {
        let _ = writeln!(
            text,
            "The `{kind}` platform ({}) reads no parameters.",
            platform.version()
        );
        return text;
    }
    let intro = format!(
        "The `{kind}` platform ({}) reads these parameters, under `parameters:` in a platform's declaration; each may be left out for its default.",
        platform.version()
    );
    for line in wrap(&intro, 78) {
        let _ = writeln!(text, "{line}");
    }
    for doc in docs {
        let _ = write!(text, "\n{}: {}", doc.name, doc.takes);
        if let Some(default) = doc.default {
            let _ = write!(text, " (default {default})");
        }
        let _ = writeln!(text);
        if !doc.description.is_empty() {
            for line in wrap(&doc.description, 76) {
                let _ = writeln!(text, "  {line}");
            }
        }
    }
    text
}

/// Text in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The severity a listed code has; errors for codes no list knows.
#[cfg(test)]
fn severity(
    registry: &PlatformRegistry,
    code: &str,
) -> Option<datasurface_rules::validate::Severity> {
    all(registry)
        .iter()
        .find(|c| c.code == code)
        .map(|c| c.severity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasurface_rules::validate::Severity;

    #[test]
    fn every_code_is_explained_once() {
        let registry = crate::Datasurface::new().registry().clone();
        let codes = all(&registry);
        let mut names: Vec<&str> = codes.iter().map(|c| c.code).collect();
        for code in &names {
            assert!(explanation(&registry, code).is_some(), "`{code}`");
        }
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a code is listed twice");
        assert_eq!(severity(&registry, "load-error"), Some(Severity::Error));
        assert_eq!(
            severity(&registry, "sqlite-source-not-local"),
            Some(Severity::Warning)
        );
    }

    #[test]
    fn the_nearest_code() {
        let known = ["missing-primary-key", "unknown-dataset", "load-error"];
        assert_eq!(
            nearest("missing-primary-kye", &known),
            Some("missing-primary-key")
        );
        assert_eq!(nearest("load", &known), Some("load-error"));
        assert_eq!(nearest("zzzzzzzz", &known), None);
    }
}
