//! Every diagnostic code the gate and the command line report, for
//! `datasurface explain`, the catalogue (`docs/diagnostics.md`), SARIF's
//! rule list and an assistant's `explain_code`: validation's rules and
//! change verification's codes (from the rules crate), loading's, the graph
//! builder's, the platform pipeline's, the gate's own, and each registered
//! platform's.

use datasurface_platform::PlatformRegistry;
use datasurface_rules::catalogue::{self, code_section, explain_listed};
use datasurface_rules::validate::{self, CodeInfo};

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
            codes: crate::CHOICE_CODES,
        },
        Section {
            title: "Transformers' SQL".into(),
            intro: "`datasurface check` and `verify` report these for every SQL transformer's query, in the SQL dialect of each platform that runs it:".into(),
            area: "transformers' SQL".into(),
            codes: crate::SQL_CODES,
        },
        Section {
            title: "Environments".into(),
            intro: "`datasurface check` and `verify` report these for every environment the model declares:".into(),
            area: "environments".into(),
            codes: crate::ENVIRONMENT_CODES,
        },
        Section {
            title: "Hooks".into(),
            intro: "`datasurface check` and `verify` report these for every hook module a model names:".into(),
            area: "hooks".into(),
            codes: crate::HOOK_CODES,
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
pub fn index(registry: &PlatformRegistry) -> String {
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
pub fn catalogue(registry: &PlatformRegistry) -> String {
    let mut out = catalogue::catalogue();
    for s in sections(registry) {
        out.push_str(&code_section(&s.title, &s.intro, s.codes));
    }
    out
}

/// Every code with its severity, summary and explanation.
pub fn all(registry: &PlatformRegistry) -> Vec<CodeInfo> {
    let mut all: Vec<CodeInfo> = validate::rules::RULES.iter().map(|r| r.info).collect();
    all.extend(datasurface_rules::verify::VERIFY_CODES.iter().copied());
    for s in sections(registry) {
        all.extend(s.codes.iter().copied());
    }
    all
}

/// A code's explanation in Markdown, with an example where it has one,
/// if any command can print it.
pub fn explanation(registry: &PlatformRegistry, code: &str) -> Option<String> {
    catalogue::explain(code).or_else(|| {
        sections(registry)
            .iter()
            .find_map(|s| explain_listed(code, &s.area, s.codes))
    })
}

/// The known code nearest to an unknown one, if any is near.
pub fn nearest<'a>(code: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(code, k), *k))
        .filter(|(distance, k)| *distance <= (k.len() / 3).max(2) || k.contains(code))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

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
