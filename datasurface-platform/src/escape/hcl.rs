//! HCL and Terraform: string values, in the native syntax (`.tf`) and in
//! Terraform's JSON syntax (`.tf.json`).
//!
//! Both read a string as a *template*: `${…}` interpolates and `%{…}` runs
//! a directive, so a name such as `${file("/etc/passwd")}` written as is
//! would be evaluated by Terraform. Here each marker is doubled (`$${`,
//! `%%{`), which HCL reads back as the literal text; an already doubled
//! marker in the value is doubled again, so it too reads back as written.

/// The value as template text: every `${` and `%{` doubled.
fn literal_template(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if matches!(c, '$' | '%') && chars.peek() == Some(&'{') {
            out.push(c);
        }
    }
    out
}

/// An HCL native-syntax quoted string whose value is `text`, quotes
/// included: `"`, `\` and control characters are backslash-escaped, and
/// template markers doubled.
///
/// ```
/// use datasurface_platform::escape::hcl;
/// assert_eq!(hcl::string(r#"${file("x")}"#), r#""$${file(\"x\")}""#);
/// assert_eq!(hcl::string("100%{"), r#""100%%{""#);
/// ```
pub fn string(text: &str) -> String {
    // HCL's quoted templates take JSON's escapes (and `\U` besides).
    super::double_quoted(&literal_template(text), &[])
}

/// A JSON string for a value in Terraform's JSON syntax, whose strings are
/// templates too: template markers doubled, then escaped as
/// [`super::json::string`] does.
///
/// ```
/// use datasurface_platform::escape::hcl;
/// assert_eq!(hcl::json_string("${var.secret}"), r#""$${var.secret}""#);
/// ```
pub fn json_string(text: &str) -> String {
    super::json::string(&literal_template(text))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use hcl::{Expression, Template};
    use proptest::prelude::*;

    use super::{json_string, string};

    /// The text an HCL template reads as, when it is all literal.
    fn literal(template: &Template) -> Result<String, String> {
        template
            .elements()
            .iter()
            .map(|e| match e {
                hcl::template::Element::Literal(text) => Ok(text.clone()),
                other => Err(format!("not literal: {other:?}")),
            })
            .collect()
    }

    /// What HCL reads `x = <quoted>` as.
    fn read_native(quoted: &str) -> Result<String, String> {
        let body: hcl::Body = hcl::parse(&format!("x = {quoted}\n")).map_err(|e| e.to_string())?;
        let attribute = body.attributes().next().ok_or("no attribute")?;
        match &attribute.expr {
            Expression::String(text) => Ok(text.clone()),
            Expression::TemplateExpr(expr) => {
                literal(&Template::from_expr(expr).map_err(|e| e.to_string())?)
            }
            other => Err(format!("not a string: {other:?}")),
        }
    }

    #[test]
    fn markers_and_specials_are_escaped() {
        assert_eq!(string("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(string("$${x}"), r#""$$${x}""#);
        assert_eq!(string("$ {x} % {y} $"), r#""$ {x} % {y} $""#);
        assert_eq!(read_native(&string("${var.x}")).unwrap(), "${var.x}");
        assert_eq!(read_native(&string("$${x} %%{y}")).unwrap(), "$${x} %%{y}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn native_strings_read_back_as_the_text(text in r"(\PC|[$%{}\\\x22\n\t])*") {
            let quoted = string(&text);
            prop_assert!(!quoted.contains('\n'));
            prop_assert_eq!(read_native(&quoted).map_err(TestCaseError::fail)?, text);
        }

        #[test]
        fn json_strings_read_back_as_the_text(text in r"(\PC|[$%{}\\\x22\n\t])*") {
            let quoted = json_string(&text);
            let template: String = serde_json::from_str(&quoted)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let parsed: Template = template.parse().map_err(|e: hcl::Error| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(literal(&parsed).map_err(TestCaseError::fail)?, text);
        }
    }
}
