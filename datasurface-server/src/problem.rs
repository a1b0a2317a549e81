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
