//! One error type for every handler, mapped to a friendly page in the reader's language.
//!
//! Handlers return [`AppError`]; its response carries only a status and a marker, and the
//! context middleware (`ctx::context`) turns every error status into a full page, because only
//! it knows the reader's language. Internal details go to the log, never to the page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chuangxiang_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Nobody is logged in; the page redirects to the login form and back.
    #[error("login required")]
    NeedLogin,
    /// The form came without a valid CSRF token (forged, or the page was open too long).
    #[error("bad csrf token")]
    Csrf,
    #[error("too many attempts")]
    TooMany,
    /// The server is at its limit of slow work (password checks, photo decoding): try again.
    #[error("busy")]
    Busy,
    /// A form or address held control characters (NUL and the like) that no field accepts.
    #[error("control characters in the request")]
    ControlCharacters,
    /// The request body is over the size limit.
    #[error("request body too large")]
    TooLarge,
    #[error("internal error: {0}")]
    Internal(String),
}

/// Marks a response whose body the middleware should replace with the friendly page.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NeedLogin => StatusCode::UNAUTHORIZED,
            AppError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::ControlCharacters => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorPage);
        if matches!(self, AppError::Csrf) {
            response.extensions_mut().insert(CsrfFailure);
        }
        if matches!(self, AppError::ControlCharacters) {
            response.extensions_mut().insert(ControlFailure);
        }
        response
    }
}

/// Marks a 403 caused by a missing or forged CSRF token, for its own message.
#[derive(Debug, Clone, Copy)]
pub struct CsrfFailure;

/// Marks a 400 caused by control characters in a form or address, for its own message.
#[derive(Debug, Clone, Copy)]
pub struct ControlFailure;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<chuangxiang_domain::policy::Denial> for AppError {
    fn from(d: chuangxiang_domain::policy::Denial) -> Self {
        match d {
            chuangxiang_domain::policy::Denial::NotLoggedIn => AppError::NeedLogin,
            chuangxiang_domain::policy::Denial::Forbidden => AppError::Forbidden,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
