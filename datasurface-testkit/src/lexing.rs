//! Reading rendered files as their languages read them: where string
//! literals and comments begin and end, so the kit can tell free text kept
//! inside its quotes from free text that became code.
//!
//! Each lexer returns a file's *code*: its text with every string literal's
//! and comment's contents blanked (newlines kept, so line numbers hold). A
//! literal left open at the end of the file is an error: the quoting broke.

use std::fmt;

/// The languages the kit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Language {
    /// SQL (PostgreSQL's and SQLite's lexical rules: `'…'` with `''`,
    /// `E'…'` with backslashes, `"…"` identifiers, `$tag$…$tag$`, `--` and
    /// nested `/* */` comments).
    Sql,
    /// Python 3 (single, double and triple quotes, prefixes, raw strings,
    /// f-strings whose `{…}` are code, `#` comments).
    Python,
    /// POSIX shell (`'…'`, `"…"` whose `$(…)` and backquotes are code,
    /// `$'…'`, `#` comments).
    Shell,
    /// JSON: parsed; free text must be only in string values.
    Json,
    /// Terraform's JSON syntax (`.tf.json`): JSON whose strings are HCL
    /// templates, so free text must also keep `${` and `%{` escaped.
    TerraformJson,
    /// YAML: parsed; free text must be only in scalar values.
    Yaml,
    /// Prose (Markdown, plain text): free text is what it holds.
    Prose,
}

impl Language {
    /// The language of a file, by its extension; `None` for one the kit
    /// cannot judge.
    pub fn of(path: &str) -> Option<Language> {
        if path.to_ascii_lowercase().ends_with(".tf.json") {
            return Some(Language::TerraformJson);
        }
        let extension = std::path::Path::new(path)
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        Some(match extension.as_str() {
            "sql" => Language::Sql,
            "py" => Language::Python,
            "sh" | "bash" => Language::Shell,
            "json" => Language::Json,
            "yaml" | "yml" => Language::Yaml,
            "md" | "txt" => Language::Prose,
            _ => return None,
        })
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Sql => "SQL",
            Language::Python => "Python",
            Language::Shell => "shell",
            Language::Json => "JSON",
            Language::TerraformJson => "Terraform JSON",
            Language::Yaml => "YAML",
            Language::Prose => "prose",
        })
    }
}

/// A literal or comment that is never closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    /// What was left open, such as `a '…' string`.
    pub what: &'static str,
    /// The 1-based line it opened on.
    pub line: usize,
}

impl fmt::Display for Unclosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} opened on line {} is never closed",
            self.what, self.line
        )
    }
}

/// A file's code: its text outside string literals and comments, the
/// literals' and comments' contents blanked, newlines kept. For SQL,
/// Python and shell; JSON, YAML and prose are judged otherwise.
pub fn code_of(text: &str, language: Language) -> Result<String, Unclosed> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        at: 0,
        code: String::with_capacity(text.len()),
    };
    match language {
        Language::Sql => lexer.sql()?,
        Language::Python => lexer.python()?,
        Language::Shell => lexer.shell()?,
        Language::Json | Language::TerraformJson | Language::Yaml | Language::Prose => {
            return Ok(String::new());
        }
    }
    Ok(lexer.code)
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    code: String,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek(i) == Some(c))
    }

    fn line(&self) -> usize {
        1 + self.chars[..self.at.min(self.chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count()
    }

    /// Takes one character as code.
    fn code(&mut self) {
        if let Some(c) = self.peek(0) {
            self.code.push(c);
            self.at += 1;
        }
    }

    /// Takes `n` characters as part of a literal or comment: blanked.
    fn blank(&mut self, n: usize) {
        for _ in 0..n {
            if let Some(c) = self.peek(0) {
                self.code.push(if c == '\n' { '\n' } else { ' ' });
                self.at += 1;
            }
        }
    }

    fn sql(&mut self) -> Result<(), Unclosed> {
        while let Some(c) = self.peek(0) {
            if self.starts_with("--") {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.blank(1);
                }
            } else if self.starts_with("/*") {
                let line = self.line();
                let mut depth = 0usize;
                loop {
                    if self.starts_with("/*") {
                        depth += 1;
                        self.blank(2);
                    } else if self.starts_with("*/") {
                        depth -= 1;
                        self.blank(2);
                        if depth == 0 {
                            break;
                        }
                    } else if self.peek(0).is_some() {
                        self.blank(1);
                    } else {
                        return Err(Unclosed {
                            what: "a `/* */` comment",
                            line,
                        });
                    }
                }
            } else if (c == 'E' || c == 'e')
                && self.peek(1) == Some('\'')
                && !self
                    .at
                    .checked_sub(1)
                    .and_then(|i| self.chars.get(i))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_')
            {
                self.code();
                self.quoted('\'', true, true, "an `E'…'` string")?;
            } else if c == '\'' {
                self.quoted('\'', false, true, "a `'…'` string")?;
            } else if c == '"' {
                self.quoted('"', false, true, "a `\"…\"` identifier")?;
            } else if c == '$' {
                // A dollar quote: `$$` or `$tag$`, a tag of letters, digits and `_`.
                let mut end = 1;
                while self
                    .peek(end)
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
                {
                    end += 1;
                }
                let is_tag = self.peek(end) == Some('$')
                    && !self.peek(1).is_some_and(|c| c.is_ascii_digit());
                if is_tag {
                    let tag: String = self.chars[self.at..=self.at + end].iter().collect();
                    let line = self.line();
                    for _ in 0..tag.chars().count() {
                        self.code();
                    }
                    loop {
                        if self.starts_with(&tag) {
                            for _ in 0..tag.chars().count() {
                                self.code();
                            }
                            break;
                        }
                        if self.peek(0).is_none() {
                            return Err(Unclosed {
                                what: "a dollar-quoted string",
                                line,
                            });
                        }
                        self.blank(1);
                    }
                } else {
                    self.code();
                }
            } else {
                self.code();
            }
        }
        Ok(())
    }

    /// A literal from its opening quote: closed by `quote` (doubled, it is
    /// the quote itself when `doubling`), with backslash escapes when
    /// `backslash`. The quotes are code, the contents blanked.
    fn quoted(
        &mut self,
        quote: char,
        backslash: bool,
        doubling: bool,
        what: &'static str,
    ) -> Result<(), Unclosed> {
        let line = self.line();
        self.code();
        loop {
            match self.peek(0) {
                None => return Err(Unclosed { what, line }),
                Some('\\') if backslash => self.blank(2),
                Some(c) if c == quote => {
                    if doubling && self.peek(1) == Some(quote) {
                        self.blank(2);
                    } else {
                        self.code();
                        return Ok(());
                    }
                }
                Some(_) => self.blank(1),
            }
        }
    }

    fn python(&mut self) -> Result<(), Unclosed> {
        while let Some(c) = self.peek(0) {
            if c == '#' {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.blank(1);
                }
                continue;
            }
            // A string's prefix: up to two of r, b, u, f, then a quote.
            let previous = self
                .at
                .checked_sub(1)
                .and_then(|i| self.chars.get(i))
                .copied();
            let in_word = previous.is_some_and(|p| p.is_alphanumeric() || p == '_');
            let mut prefix = 0;
            while !in_word
                && prefix < 2
                && self
                    .peek(prefix)
                    .is_some_and(|p| matches!(p.to_ascii_lowercase(), 'r' | 'b' | 'u' | 'f'))
            {
                prefix += 1;
            }
            let quote = self.peek(prefix);
            if !in_word && matches!(quote, Some('\'' | '"')) {
                let letters: String = self.chars[self.at..self.at + prefix]
                    .iter()
                    .map(char::to_ascii_lowercase)
                    .collect();
                for _ in 0..prefix {
                    self.code();
                }
                let quote = quote.unwrap_or('"');
                self.python_string(quote, letters.contains('r'), letters.contains('f'))?;
            } else {
                self.code();
            }
        }
        Ok(())
    }

    fn python_string(&mut self, quote: char, raw: bool, formatted: bool) -> Result<(), Unclosed> {
        let line = self.line();
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        let (what, width) = if triple {
            ("a triple-quoted string", 3)
        } else {
            ("a string", 1)
        };
        for _ in 0..width {
            self.code();
        }
        loop {
            match self.peek(0) {
                None => return Err(Unclosed { what, line }),
                Some('\n') if !triple => return Err(Unclosed { what, line }),
                // A backslash escapes the next character, even in a raw
                // string (where it stays in the value).
                Some('\\') => {
                    let _ = raw;
                    self.blank(2);
                }
                Some(c) if c == quote => {
                    if !triple {
                        self.code();
                        return Ok(());
                    }
                    if self.peek(1) == Some(quote) && self.peek(2) == Some(quote) {
                        for _ in 0..3 {
                            self.code();
                        }
                        return Ok(());
                    }
                    self.blank(1);
                }
                Some('{') if formatted => {
                    if self.peek(1) == Some('{') {
                        self.blank(2);
                    } else {
                        // A replacement field: code up to its `}`.
                        let mut depth = 0usize;
                        while let Some(c) = self.peek(0) {
                            match c {
                                '{' => depth += 1,
                                '}' => depth = depth.saturating_sub(1),
                                '\n' if !triple => return Err(Unclosed { what, line }),
                                _ => {}
                            }
                            self.code();
                            if depth == 0 {
                                break;
                            }
                        }
                    }
                }
                Some(_) => self.blank(1),
            }
        }
    }

    fn shell(&mut self) -> Result<(), Unclosed> {
        while let Some(c) = self.peek(0) {
            let previous = self
                .at
                .checked_sub(1)
                .and_then(|i| self.chars.get(i))
                .copied();
            match c {
                '\\' => {
                    self.code();
                    self.code();
                }
                '#' if previous.is_none_or(char::is_whitespace) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.blank(1);
                    }
                }
                '$' if self.peek(1) == Some('\'') => {
                    self.code();
                    self.quoted('\'', true, false, "a `$'…'` string")?;
                }
                '\'' => self.quoted('\'', false, false, "a `'…'` string")?,
                '"' => self.shell_double()?,
                _ => self.code(),
            }
        }
        Ok(())
    }

    /// A double-quoted shell string: `$(…)`, `${…}` and backquotes inside
    /// it are code.
    fn shell_double(&mut self) -> Result<(), Unclosed> {
        let line = self.line();
        let what = "a `\"…\"` string";
        self.code();
        loop {
            match self.peek(0) {
                None => return Err(Unclosed { what, line }),
                Some('\\') => self.blank(2),
                Some('"') => {
                    self.code();
                    return Ok(());
                }
                Some('`') => {
                    self.code();
                    while self.peek(0).is_some_and(|c| c != '`') {
                        self.code();
                    }
                    if self.peek(0).is_none() {
                        return Err(Unclosed { what, line });
                    }
                    self.code();
                }
                Some('$') if matches!(self.peek(1), Some('(' | '{')) => {
                    let (open, close) = if self.peek(1) == Some('(') {
                        ('(', ')')
                    } else {
                        ('{', '}')
                    };
                    let mut depth = 0usize;
                    self.code();
                    while let Some(c) = self.peek(0) {
                        if c == open {
                            depth += 1;
                        } else if c == close {
                            depth = depth.saturating_sub(1);
                        }
                        self.code();
                        if depth == 0 {
                            break;
                        }
                    }
                }
                Some(_) => self.blank(1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn sql_literals_and_comments_are_not_code() {
        let text = "SELECT 'a''b\n; DROP TABLE t; --' AS x, \"we\"\"ird\" -- DROP\n/* a /* DROP */ b */ $q$ DROP $q$ E'\\' DROP'";
        let code = code_of(text, Language::Sql).unwrap();
        assert!(!code.contains("DROP"), "{code}");
        assert!(code.contains("SELECT"));
        assert_eq!(code.lines().count(), text.lines().count());
        // Not escaped: the payload closes the literal and becomes code.
        let broken = "COMMENT ON TABLE t IS 'Harmless.'; DROP TABLE audit; --';";
        assert!(
            code_of(broken, Language::Sql)
                .unwrap()
                .contains("DROP TABLE audit")
        );
        assert!(code_of("SELECT 'open", Language::Sql).is_err());
    }

    #[test]
    fn python_strings_fstrings_and_comments() {
        let text = "x = 'a\\'b' # DROP\ny = \"\"\"\nDROP\n\"\"\"\nz = f\"{name} DROP {{ 7 }}\"\nw = rb'\\d DROP'";
        let code = code_of(text, Language::Python).unwrap();
        assert!(!code.contains("DROP"), "{code}");
        assert!(
            code.contains("{name}"),
            "an f-string's field is code: {code}"
        );
        assert!(!code.contains('7'), "{code}");
        assert!(code_of("x = 'a\nb'", Language::Python).is_err());
        assert!(code_of("x = '''a", Language::Python).is_err());
    }

    #[test]
    fn shell_quotes_and_substitutions() {
        let text = "echo 'a $(x) DROP' \"b DROP $(touch /tmp/pwned)\" $'c\\' DROP' # DROP";
        let code = code_of(text, Language::Shell).unwrap();
        assert_eq!(code.matches("DROP").count(), 0, "{code}");
        assert!(code.contains("$(touch /tmp/pwned)"), "{code}");
        assert!(code_of("echo 'open", Language::Shell).is_err());
    }

    #[test]
    fn languages_by_extension() {
        assert_eq!(Language::of("dags/a.PY"), Some(Language::Python));
        assert_eq!(Language::of("x/y.yml"), Some(Language::Yaml));
        assert_eq!(Language::of("connect/sink.properties"), None);
        assert_eq!(Language::of("Makefile"), None);
    }
}
