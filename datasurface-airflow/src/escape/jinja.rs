//! Airflow's templated task fields: text that Jinja must leave as it is.
//!
//! Airflow renders some operator fields with Jinja before the task runs
//! (`bash_command` and `env` of `BashOperator`; `arguments`, `env_vars`,
//! `image` and more of `KubernetesPodOperator`), and loads a field's value
//! as a template file when it ends with one of the operator's template
//! extensions. Team-controlled text must never be read as a template: text
//! that holds a brace, or ends like a template file, is written as a Jinja
//! expression whose value is the text (`{{ "…" }}`), as is text with a
//! control character (Jinja rewrites line ends in plain text); other text is
//! left as it is (text with a control character is quoted too: Jinja rewrites line
//! ends in plain text), so the DAGs of ordinary models stay readable.

use std::borrow::Cow;

/// The template file extensions of the operators the platform renders
/// (`BashOperator`: `.sh`, `.bash`; `KubernetesPodOperator`: `.yaml`,
/// `.yml`, `.json`), all avoided in every templated field.
pub const TEMPLATE_EXTENSIONS: [&str; 5] = [".sh", ".bash", ".yaml", ".yml", ".json"];

/// `text`, made inert for a templated field: Jinja renders the result to `text`.
pub fn inert(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    // Braces open templates; Jinja also rewrites line ends and drops a
    // final newline in plain text, so control characters are quoted too.
    let templated = text.contains(['{', '}'])
        || text.chars().any(char::is_control)
        || TEMPLATE_EXTENSIONS.iter().any(|e| lower.ends_with(e));
    if !templated {
        return Cow::Borrowed(text);
    }
    // Jinja reads string literals as Python does (`unicode-escape`), so a
    // Python literal of the text is a Jinja literal of it.
    Cow::Owned(format!("{{{{ {} }}}}", super::python::str_literal(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_stays_and_template_text_is_quoted() {
        assert_eq!(inert("Azure Platform"), "Azure Platform");
        assert_eq!(inert("{{ 7 * 7 }}"), "{{ \"{{ 7 * 7 }}\" }}");
        assert_eq!(inert("run.sh"), "{{ \"run.sh\" }}");
        assert_eq!(inert("a\"}\\"), "{{ \"a\\\"}\\\\\" }}");
    }
}
