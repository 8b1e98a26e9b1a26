//! HTTP for Chuangxiang: axum routes, askama pages, sessions and roles, translations.
//!
//! Handlers stay thin: they read a form, ask [`chuangxiang_domain::policy`] and the feature's
//! domain module, call the store, and render a page.

pub mod ctx;
pub mod error;
pub mod i18n;
pub mod import;
pub mod live;
pub mod metrics;
pub mod notify;
pub mod overview;
pub mod pages;
pub mod photos;
pub mod ratelimit;
pub mod routes;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use chuangxiang_store::Db;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;

/// Largest request body accepted: enough for a spreadsheet of a street's residents.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub metrics: Arc<metrics::Metrics>,
    pub login_limiter: Arc<ratelimit::LoginLimiter>,
    pub notifier: Arc<dyn chuangxiang_domain::notify::Notifier>,
    /// The public pages' data, kept for at most a second (see [`overview`]).
    pub public: Arc<overview::PublicCache>,
    /// Live rounds' screens (see [`live`]).
    pub live: Arc<live::Live>,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        AppState {
            db,
            metrics: Arc::new(metrics::Metrics::default()),
            login_limiter: Arc::new(ratelimit::LoginLimiter::default()),
            notifier: Arc::new(notify::LogNotifier),
            public: Arc::new(overview::PublicCache::default()),
            live: Arc::new(live::Live::default()),
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    // The body limit sits inside the context middleware, so that its 413 becomes the
    // friendly page in the reader's language like every other error.
    routes::router()
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ctx::context,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.public.clone(),
            overview::invalidate_after_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// Serves the application on `listener` until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let sweeper = state.db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = chuangxiang_store::sessions::sweep(&sweeper).await {
                tracing::warn!(error = %e, "session sweep failed");
            }
        }
    });
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
