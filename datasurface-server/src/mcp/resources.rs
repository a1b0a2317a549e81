//! The model as resources: its documents as its teams wrote them
//! (`datasurface://files/<path from the model's root>`, when the server
//! has the model's files), and every object the REST API describes
//! (`datasurface://api/v1/...`, one template per route that names one),
//! each read from the same code as its route.

use rmcp::ErrorData;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams, ReadResourceResult,
    Resource, ResourceContents, ResourceTemplate,
};

use crate::ROUTES;
use crate::http::segment;

use super::McpServer;

/// Where the model's documents are, by path from the model's root.
pub const FILES: &str = "datasurface://files/";

/// Where the REST API's objects are: this, then the route's path without
/// its leading `/` (`datasurface://api/v1/ecosystem`).
const API: &str = "datasurface:/";

/// How many resources a page of `resources/list` holds.
const PAGE: usize = 500;

impl McpServer {
    /// The documents of the model (one page, from `cursor`), after the
    /// ecosystem's own resource.
    pub(super) fn resources(
        &self,
        request: Option<&PaginatedRequestParams>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let from: usize = match request.and_then(|r| r.cursor.as_deref()) {
            None => 0,
            Some(cursor) => cursor.parse().map_err(|_| {
                ErrorData::invalid_params(
                    format!("`{cursor}` is not a cursor this server gave"),
                    None,
                )
            })?,
        };
        let mut all = vec![
            Resource::new(format!("{API}/api/v1/ecosystem"), "ecosystem")
                .with_title("The ecosystem")
                .with_description(
                    "The ecosystem: its repositories, vendors, counts of everything, and how many findings checking it gave.",
                )
                .with_mime_type("application/json"),
        ];
        if let Some(files) = self.files() {
            let listing = files.list().map_err(|_| {
                ErrorData::internal_error("the model's files cannot be listed", None)
            })?;
            all.extend(listing.documents.into_iter().map(|d| {
                Resource::new(format!("{FILES}{}", d.place), d.place.clone())
                    .with_description("A document of the model, as its team wrote it.")
                    .with_mime_type(mime(&d.place))
                    .with_size(d.size)
            }));
        }
        let next = (from + PAGE < all.len()).then(|| (from + PAGE).to_string());
        let page: Vec<Resource> = all.into_iter().skip(from).take(PAGE).collect();
        let mut result = ListResourcesResult::with_all_items(page);
        result.next_cursor = next;
        Ok(result)
    }

    /// One template per route that names an object (its path parameters
    /// are the template's).
    pub(super) fn resource_templates() -> ListResourceTemplatesResult {
        let mut templates: Vec<ResourceTemplate> = ROUTES
            .iter()
            .filter(|r| !r.paged && r.path.contains('{'))
            .map(|r| {
                ResourceTemplate::new(format!("{API}{}", r.path), super::tool_name(r.id))
                    .with_description(r.summary)
                    .with_mime_type("application/json")
            })
            .collect();
        templates.push(
            ResourceTemplate::new(format!("{FILES}{{+path}}"), "document")
                .with_description(
                    "A document of the model by its path from the model's root (`resources/list` lists them).",
                )
                .with_mime_type("application/yaml"),
        );
        ListResourceTemplatesResult::with_all_items(templates)
    }

    /// The resource at `uri`: a document's text, or the REST answer for an
    /// object, as JSON.
    pub(super) async fn read(&self, uri: &str) -> Result<ReadResourceResult, ErrorData> {
        if let Some(place) = uri.strip_prefix(FILES) {
            let text = self.document(&decode(place))?;
            return Ok(ReadResourceResult::new(vec![
                ResourceContents::text(text, uri).with_mime_type(mime(place)),
            ]));
        }
        let Some(path) = uri
            .strip_prefix(API)
            .filter(|p| p.starts_with("/api/v1/") && !p.contains(['?', '#']))
        else {
            return Err(ErrorData::resource_not_found(
                format!(
                    "no resource `{uri}`: resources are `{FILES}<path>` and `datasurface://api/v1/...` (`resources/templates/list`)"
                ),
                None,
            ));
        };
        // Names written raw or percent-encoded are the same name.
        let path: Vec<String> = path.split('/').map(|s| segment(&decode(s))).collect();
        let body = self
            .get(&path.join("/"))
            .await
            .map_err(|why| ErrorData::resource_not_found(why, None))?;
        Ok(ReadResourceResult::new(vec![
            ResourceContents::text(body.to_string(), uri).with_mime_type("application/json"),
        ]))
    }

    /// The text of the model's document at `place`, if it is one.
    fn document(&self, place: &str) -> Result<String, ErrorData> {
        let missing = || {
            ErrorData::resource_not_found(
                format!("the model has no document `{place}` (`resources/list` lists them)"),
                None,
            )
        };
        let files = self.files().ok_or_else(missing)?;
        let listing = files
            .list()
            .map_err(|_| ErrorData::internal_error("the model's files cannot be listed", None))?;
        let document = listing
            .documents
            .iter()
            .find(|d| d.place == place)
            .ok_or_else(missing)?;
        files
            .read(document, datasurface_gate::MAX_FILE_BYTES)
            .map(|source| source.text)
            .map_err(|e| ErrorData::resource_not_found(e.to_string(), None))
    }
}

fn mime(place: &str) -> &'static str {
    let json = std::path::Path::new(place)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json {
        "application/json"
    } else {
        "application/yaml"
    }
}

/// `text` with `%XX` escapes decoded (an escape that is not one, or bytes
/// that are not UTF-8, stay as written).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_once() {
        assert_eq!(decode("Azure%20Platform"), "Azure Platform");
        assert_eq!(decode("a%2Fb"), "a/b");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%FF"), "%FF");
    }
}
