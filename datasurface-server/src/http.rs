//! What every answer shares: the `ETag` and its 304, JSON bodies, pages of
//! long lists and path segments.

use std::fmt::Write as _;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::problem::Problem;

/// The most items one page holds, and how many when `limit` is not given.
pub(crate) const MAX_LIMIT: usize = 1000;
pub(crate) const DEFAULT_LIMIT: usize = 100;

/// A tag for the answer to `request` (the path and query) from the model
/// whose files hash to `content`, and `extra` (what else the answer shows,
/// such as the last reload's outcome): the same for every process serving
/// the same files, different whenever the answer may differ.
pub(crate) fn etag(content: &str, extra: &str, request: &str) -> String {
    let mut hash = Sha256::new();
    for part in [content, extra, request] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let mut tag = String::with_capacity(34);
    tag.push('"');
    for byte in &digest[..16] {
        let _ = write!(tag, "{byte:02x}");
    }
    tag.push('"');
    tag
}

/// Whether the request's `If-None-Match` holds `tag` (or `*`).
pub(crate) fn fresh(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().trim_start_matches("W/"))
        .any(|v| v == tag || v == "*")
}

/// A body as JSON bytes; a body that cannot be written is a 500 problem.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, Problem> {
    serde_json::to_vec(value).map_err(|e| {
        Problem::other(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the answer could not be written: {e}"),
        )
    })
}

/// 304 with the tag when the client's copy is current, else `body` (made
/// only then) with the tag: `body` gives the content type and the bytes.
pub(crate) fn answer_bytes(
    headers: &HeaderMap,
    tag: &str,
    body: impl FnOnce() -> Result<(&'static str, Vec<u8>), Problem>,
) -> Response {
    if fresh(headers, tag) {
        return tagged(StatusCode::NOT_MODIFIED.into_response(), tag);
    }
    match body() {
        Ok((kind, bytes)) => tagged(([(header::CONTENT_TYPE, kind)], bytes).into_response(), tag),
        Err(problem) => problem.into_response(),
    }
}

/// `response` with its tag and a cache rule that asks before reusing it.
pub(crate) fn tagged(mut response: Response, tag: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `offset` and `limit` of a list.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    pub(crate) offset: Option<u32>,
    pub(crate) limit: Option<u32>,
}

/// One page of a list: its items, how many there are in all, and the
/// query of the next page when there is one.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields, rename = "Page_of_{T}")]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    /// How many items the whole list holds.
    pub(crate) total: usize,
    /// How many items were passed over.
    pub(crate) offset: usize,
    /// How many items a page holds.
    #[schemars(range(min = 1))]
    pub(crate) limit: usize,
    /// The path and query of the next page, or null on the last.
    pub(crate) next: Option<String>,
}

impl PageQuery {
    /// The page of `items` this query asks for, each made by `make`; a
    /// limit above the most allowed is a problem, not a silent cut.
    pub(crate) fn page<I, T>(
        self,
        path: &str,
        total: usize,
        items: I,
        extra: &str,
    ) -> Result<Page<T>, Problem>
    where
        I: Iterator<Item = T>,
    {
        let limit = self.limit.map_or(DEFAULT_LIMIT, wide);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Problem::bad_request(format!(
                "limit must be from 1 to {MAX_LIMIT}, not {limit}"
            )));
        }
        let offset = self.offset.map_or(0, wide);
        let items: Vec<T> = items.skip(offset).take(limit).collect();
        let next = (offset.saturating_add(limit) < total)
            .then(|| format!("{path}?{extra}offset={}&limit={limit}", offset + limit));
        Ok(Page {
            items,
            total,
            offset,
            limit,
            next,
        })
    }
}

/// A count from a query (at most `u32::MAX`, as the document says) as a `usize`.
pub(crate) fn wide(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A name as one path segment: everything but unreserved characters
/// percent-encoded.
pub(crate) fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A query value, percent-encoded for a `next` link.
pub(crate) fn query_value(value: &str) -> String {
    segment(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode(segment: &str) -> Vec<u8> {
        let bytes = segment.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    proptest! {
        /// A name becomes one segment of unreserved characters and escapes
        /// (no `/`, `?`, `#` or space can end it early) that decodes back to it.
        #[test]
        fn segments_are_one_segment_and_decode_back(name in any::<String>()) {
            let encoded = segment(&name);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            prop_assert_eq!(decode(&encoded), name.as_bytes());
        }
    }

    #[test]
    fn tags_differ_by_model_extra_and_request_and_match_with_or_without_weak() {
        let a = etag("m1", "", "/api/v1/zones");
        assert_eq!(a, etag("m1", "", "/api/v1/zones"));
        assert_ne!(a, etag("m2", "", "/api/v1/zones"));
        assert_ne!(a, etag("m1", "r1", "/api/v1/zones"));
        assert_ne!(a, etag("m1", "", "/api/v1/teams"));
        // The parts are separated: moving a byte between them changes the tag.
        assert_ne!(etag("ab", "", "c"), etag("a", "", "bc"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", W/{a}")).unwrap(),
        );
        assert!(fresh(&headers, &a));
        assert!(!fresh(&headers, &etag("m2", "", "/")));
    }

    #[test]
    fn pages_say_where_the_next_one_starts_and_refuse_a_huge_limit() {
        let q = PageQuery {
            offset: Some(2),
            limit: Some(2),
        };
        let page = q.page("/p", 5, 0..5, "").unwrap();
        assert_eq!(page.items, vec![2, 3]);
        assert_eq!(page.next.as_deref(), Some("/p?offset=4&limit=2"));
        let last = PageQuery {
            offset: Some(4),
            limit: Some(2),
        };
        assert_eq!(last.page("/p", 5, 0..5, "").unwrap().next, None);
        let huge = PageQuery {
            offset: None,
            limit: Some(1001),
        };
        assert!(huge.page("/p", 5, 0..5, "").is_err());
        assert_eq!(segment("a b/c%"), "a%20b%2Fc%25");
    }
}
