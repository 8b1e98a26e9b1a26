//! Routes, one module per area; each module exposes `router()`.

pub mod account;
pub mod admin;
pub mod community;
pub mod export;
pub mod home;
pub mod ideas;
pub mod notifications;
pub mod org;
pub mod proposals;
pub mod rounds;
pub mod settings;

use crate::AppState;
use crate::error::AppError;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(ideas::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(community::router())
        .merge(export::router())
        .merge(org::router())
        .merge(proposals::router())
        .merge(notifications::router())
        .merge(settings::router())
        .merge(rounds::router())
        .fallback(|| async { AppError::NotFound })
}
