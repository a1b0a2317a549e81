//! Help for a name that matches nothing: the nearest of the names that
//! exist, or the list of them. Loading and validation both use it.

/// The closest candidate, if it is close enough to be a likely typo.
pub fn nearest<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let found_lower = found.to_ascii_lowercase();
    let mut best: Option<(&str, usize)> = None;
    for &candidate in candidates {
        let distance = strsim::damerau_levenshtein(&found_lower, &candidate.to_ascii_lowercase());
        let limit = candidate.chars().count().max(found.chars().count()) / 3;
        if distance <= limit && best.is_none_or(|(_, d)| distance < d) {
            best = Some((candidate, distance));
        }
    }
    best.map(|(name, _)| name)
}

/// A help line for a name that matches none of `candidates`: the nearest one,
/// or the list (up to twelve), or the fact that there are none; `noun`
/// names the list, such as `datastores`.
///
/// ```
/// use datasurface_stdx::suggest::suggest;
/// assert_eq!(suggest("retires", &["retries", "image"], "parameters"), "did you mean `retries`?");
/// assert_eq!(suggest("x", &["retries", "image"], "parameters"), "parameters: `retries`, `image`");
/// ```
pub fn suggest(found: &str, candidates: &[&str], noun: &str) -> String {
    if let Some(best) = nearest(found, candidates) {
        return format!("did you mean `{best}`?");
    }
    match candidates {
        [] => format!("there are no {noun}"),
        many if many.len() > 12 => format!("{noun} include {}, …", quote_list(&many[..12])),
        some => format!("{noun}: {}", quote_list(some)),
    }
}

/// The items, each in backticks, joined by `, `.
pub fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
