//! `datasurface explain`: a diagnostic code, every code, or a platform
//! kind's parameters (the codes themselves are the gate's,
//! [`datasurface_gate::codes`]).

use std::io::Write;

use datasurface_gate::codes::{all, catalogue, explanation, index, nearest};

use crate::Outcome;
use crate::app::App;
use crate::args::ExplainArgs;

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
    registry: &datasurface_platform::PlatformRegistry,
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
}
