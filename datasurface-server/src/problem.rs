//! Errors as RFC 9457 problem details: `application/problem+json` with a
//! type, a title, the status and what went wrong.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A request the service cannot answer, as its problem body says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
}

impl Problem {
    /// A name the model does not hold.
    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Problem {
            kind: "https://datasurface.dev/problems/not-found".to_owned(),
            title: "Not found",
            status: StatusCode::NOT_FOUND.as_u16(),
            detail: detail.into(),
        }
    }

    /// A parameter the service cannot use.
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Problem {
            kind: "https://datasurface.dev/problems/bad-request".to_owned(),
            title: "Bad request",
            status: StatusCode::BAD_REQUEST.as_u16(),
            detail: detail.into(),
        }
    }
}

impl Problem {
    /// A problem of the given status (a method the route does not answer,
    /// a path that does not decode), with what the router said.
    pub(crate) fn other(status: StatusCode, detail: impl Into<String>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        Problem {
            kind: format!(
                "https://datasurface.dev/problems/{}",
                title.to_ascii_lowercase().replace(' ', "-")
            ),
            title,
            status: status.as_u16(),
            detail: detail.into(),
        }
    }
}

/// Gives every error answer a problem body: the router's own refusals
/// (a path segment that is not UTF-8, a method other than GET) come as
/// plain text or nothing, and are rewritten here, their headers kept.
pub(crate) async fn as_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        match status {
            StatusCode::METHOD_NOT_ALLOWED => "the model service only reads: use GET".to_owned(),
            _ => status.to_string(),
        }
    } else {
        text
    };
    let mut rewritten = Problem::other(status, detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}
