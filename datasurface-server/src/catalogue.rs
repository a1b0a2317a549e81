//! The catalogue page at `/`: search the model, open a dataset to see its
//! schema, owner, readers and lineage drawn in the browser. Its three
//! assets are compiled into the binary and read only the API, so it needs
//! no network beyond the service itself; a content security policy lets
//! the page load nothing else and run no inline script.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::answer_bytes;
use crate::problem::Problem;

/// An asset: its path under `/assets/` (the page itself is `/`), type and text.
struct Asset {
    name: &'static str,
    kind: &'static str,
    text: &'static str,
}

const PAGE: Asset = Asset {
    name: "index.html",
    kind: "text/html; charset=utf-8",
    text: include_str!("../assets/index.html"),
};

const ASSETS: [Asset; 2] = [
    Asset {
        name: "catalogue.js",
        kind: "text/javascript; charset=utf-8",
        text: include_str!("../assets/catalogue.js"),
    },
    Asset {
        name: "catalogue.css",
        kind: "text/css; charset=utf-8",
        text: include_str!("../assets/catalogue.css"),
    },
];

/// What the page may load and run: its own scripts, styles and API, nothing inline, no frames.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /`: the page.
pub(crate) async fn page(headers: HeaderMap) -> Response {
    send(&headers, &PAGE)
}

/// `GET /assets/{name}`: its script and style sheet.
pub(crate) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => send(&headers, asset),
        None => Problem::not_found(format!(
            "no asset `{name}`; the catalogue's assets are {}",
            ASSETS.map(|a| a.name).join(", ")
        ))
        .into_response(),
    }
}

/// Each asset's tag, made once: it names the asset's bytes, the same for
/// every process of one build.
static TAGS: LazyLock<BTreeMap<&'static str, String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .chain([&PAGE])
        .map(|a| (a.name, crate::http::etag(a.text, a.name, "catalogue")))
        .collect()
});

fn send(headers: &HeaderMap, asset: &Asset) -> Response {
    let tag = TAGS.get(asset.name).map_or("", String::as_str);
    let mut response = answer_bytes(headers, tag, || {
        Ok((asset.kind, asset.text.as_bytes().to_vec()))
    });
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Every answer of the service: its type is the one it says (`nosniff`).
pub(crate) async fn no_sniffing(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::{ASSETS, PAGE};

    /// The page puts model values on it only as text: no markup from strings.
    #[test]
    fn the_script_never_writes_markup_from_strings() {
        for asset in ASSETS.iter().chain([&PAGE]) {
            for sink in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
            ] {
                assert!(
                    !asset.text.contains(sink),
                    "{} uses `{sink}`; build elements and set textContent instead",
                    asset.name
                );
            }
        }
    }

    /// Nothing is fetched from another origin: no absolute URLs in the assets.
    #[test]
    fn the_assets_load_nothing_from_elsewhere() {
        for asset in ASSETS.iter().chain([&PAGE]) {
            for line in asset.text.lines() {
                let external = ["http://", "https://", "//cdn"]
                    .iter()
                    .any(|p| line.contains(p) && !line.contains("http://www.w3.org/2000/svg"));
                assert!(!external, "{}: {line}", asset.name);
            }
        }
    }
}
