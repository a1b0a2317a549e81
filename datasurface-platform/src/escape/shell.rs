//! POSIX shell: command words that the shell passes on as they are.

/// One shell word whose value is `word`: left bare when it holds only
/// characters no shell treats specially, otherwise single-quoted (a quote
/// inside becomes `'"'"'`). Nothing is expanded inside single quotes.
///
/// Quoting keeps a value one word; it does not stop a command reading a
/// word that starts with `-` as an option, so put `--` before operands that
/// come from the model. Place values as arguments, never as the command's
/// first word (where `a=b` would be an assignment).
pub fn word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\"'\"'"))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The shell's reading of the words `word` writes: bare characters, and
    /// single- and double-quoted runs with no expansion in them.
    fn read(word: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = word.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => loop {
                    match chars.next()? {
                        '\'' => break,
                        c => out.push(c),
                    }
                },
                '"' => loop {
                    match chars.next()? {
                        '"' => break,
                        c @ ('$' | '`' | '\\') => return Some(format!("expansion {c}")),
                        c => out.push(c),
                    }
                },
                c if c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c) => out.push(c),
                _ => return None,
            }
        }
        Some(out)
    }

    #[test]
    fn words_are_quoted_when_needed() {
        assert_eq!(word("NW_Data"), "NW_Data");
        assert_eq!(word("Azure Platform"), "'Azure Platform'");
        assert_eq!(word("it's"), "'it'\"'\"'s'");
        assert_eq!(word(""), "''");
        assert_eq!(word("$(id)"), "'$(id)'");
    }

    proptest! {
        #[test]
        fn words_read_back_as_themselves(text in any::<String>()) {
            prop_assert_eq!(read(&word(&text)), Some(text));
        }
    }
}
