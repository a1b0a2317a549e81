//! POSIX shell: command words that the shell passes on as they are.

/// One shell word whose value is `word`: left bare when it holds only
/// characters no shell treats specially, otherwise single-quoted (a quote
/// inside becomes `'"'"'`). Nothing is expanded inside single quotes.
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
    use super::*;

    #[test]
    fn words_are_quoted_when_needed() {
        assert_eq!(word("NW_Data"), "NW_Data");
        assert_eq!(word("Azure Platform"), "'Azure Platform'");
        assert_eq!(word("it's"), "'it'\"'\"'s'");
        assert_eq!(word(""), "''");
        assert_eq!(word("$(id)"), "'$(id)'");
    }
}
