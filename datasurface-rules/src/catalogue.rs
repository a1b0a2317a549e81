//! The catalogue of diagnostics, generated from the rules themselves: every
//! code that loading, validation and verification report, with its example.
//! It sits above the stages it describes.

use std::fmt::Write as _;

use crate::validate::rules::RULES;
use datasurface_core::diagnostic::CodeInfo;

/// The Markdown of an example: the edit, then the report.
fn example_markdown(diff: &str, report: &str) -> String {
    format!(
        "\nExample, and what `datasurface check --format short` reports:\n\n```diff\n{diff}```\n\n```text\n{report}\n```\n"
    )
}

/// The plain text of an example: the edit, then the report.
fn example_text(diff: &str, report: &str) -> String {
    format!(
        "\nFor example, this edit of a valid model:\n\n{diff}\nis reported (`datasurface check --format short`) as:\n\n{report}\n"
    )
}

/// A catalogue section for a list of codes: a heading, a sentence, a table,
/// then one entry per code, with its example where it has one.
pub fn code_section(title: &str, intro: &str, codes: &[CodeInfo]) -> String {
    let mut out = format!("\n# {title}\n\n{intro}\n\n| code | severity | finds |\n|---|---|---|\n");
    for c in codes {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} |",
            c.code, c.code, c.severity, c.summary
        );
    }
    for c in codes {
        let _ = write!(
            out,
            "\n## {}\n\n**{}.** {}\n\n{}\n",
            c.code, c.severity, c.summary, c.explanation
        );
        if let Some(example) = &c.example {
            out.push_str(&example_markdown(&example.diff(), example.finding));
        }
    }
    out
}

/// The explanation of a code from a list, naming the stage (`area`) that
/// reports it, with its example where it has one.
pub fn explain_listed(code: &str, area: &str, codes: &[CodeInfo]) -> Option<String> {
    let c = codes.iter().find(|c| c.code == code)?;
    let mut out = format!(
        "{} ({}, {area})\n\n{}\n\n{}\n",
        c.code, c.severity, c.summary, c.explanation
    );
    if let Some(example) = &c.example {
        out.push_str(&example_text(&example.diff(), example.finding));
    }
    Some(out)
}

/// A code's explanation for people: what it finds, why, how to fix it, and (for validation
/// rules) an example.
pub fn explain(code: &str) -> Option<String> {
    if let Some(text) = explain_listed(code, "change verification", crate::verify::VERIFY_CODES) {
        return Some(text);
    }
    let info = &RULES.iter().find(|r| r.info.code == code)?.info;
    let mut out = format!(
        "{} ({})\n\n{}\n\n{}\n",
        info.code, info.severity, info.summary, info.explanation
    );
    if let Some(example) = &info.example {
        out.push_str(&example_text(&example.diff(), example.finding));
    }
    Some(out)
}

/// The catalogue of every diagnostic code, in Markdown: the text of `docs/diagnostics.md`.
pub fn catalogue() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n\
         Every finding of `datasurface check` has one of these codes. This page is generated from the rules \
         (`datasurface explain --all`), and a test keeps it current. Each example is an edit of a small valid \
         model, followed by what `datasurface check` reports for it.\n\n\
         | code | severity | finds |\n|---|---|---|\n",
    );
    for info in RULES.iter().map(|r| &r.info) {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} |",
            info.code, info.code, info.severity, info.summary
        );
    }
    for info in RULES.iter().map(|r| &r.info) {
        let _ = write!(
            out,
            "\n## {}\n\n**{}.** {}\n\n{}\n",
            info.code, info.severity, info.summary, info.explanation
        );
        if let Some(example) = &info.example {
            out.push_str(&example_markdown(&example.diff(), example.finding));
        }
    }
    out.push_str(&code_section(
        "Change verification",
        "`datasurface verify` reports the proposed model's validation findings, and these:",
        crate::verify::VERIFY_CODES,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.info.code).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'))
        );
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len(), "a code is used twice");
    }

    #[test]
    fn every_rule_explains_itself_with_its_example() {
        for rule in RULES {
            let text = explain(rule.info.code).unwrap_or_default();
            assert!(
                text.contains("is reported (`datasurface check --format short`) as:"),
                "the example of `{}` does not work:\n{text}",
                rule.info.code
            );
        }
        assert!(explain("no-such-code").is_none());
    }
}
