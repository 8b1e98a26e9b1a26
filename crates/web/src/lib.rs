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
pub mod security;
pub mod workers;

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
    /// What the operator configured: trusted proxies, the public address.
    pub settings: Arc<security::Settings>,
    /// Password hashing and checking, one thread per core, each reusing its memory.
    pub passwords: Arc<workers::Pool<chuangxiang_store::accounts::HashMemory>>,
    /// Photo decoding, on fewer threads: a photo may take a second and 200 MB.
    pub photos: Arc<workers::Pool<()>>,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        Self::with_settings(db, security::Settings::default())
    }

    /// # Panics
    /// When the operating system refuses to start the few worker threads, at start-up.
    pub fn with_settings(db: Db, settings: security::Settings) -> Self {
        let cores = workers::cores();
        // Queues sized so that a burst waits a few seconds at most; beyond that the answer
        // is "busy, try again" at once.
        let passwords =
            workers::Pool::new("password", cores, 32 * cores).expect("start the password threads");
        let photos = workers::Pool::new("photo", cores.div_ceil(2), 4 * cores)
            .expect("start the photo threads");
        AppState {
            db,
            metrics: Arc::new(metrics::Metrics::default()),
            login_limiter: Arc::new(ratelimit::LoginLimiter::default()),
            notifier: Arc::new(notify::LogNotifier),
            public: Arc::new(overview::PublicCache::default()),
            live: Arc::new(live::Live::default()),
            settings: Arc::new(settings),
            passwords: Arc::new(passwords),
            photos: Arc::new(photos),
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
        .layer(axum::middleware::from_fn_with_state(
            state.settings.clone(),
            security::headers,
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
