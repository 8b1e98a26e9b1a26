//! The notification centre: what concerns the logged-in person, newest first.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::pages::{Layout, beijing_time, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chuangxiang_domain::notify::Notice;
use chuangxiang_domain::policy::Action;
use chuangxiang_store::notifications;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(centre))
        .route("/notifications/read", post(mark_read))
}

pub struct Item {
    pub text: String,
    pub link: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct CentrePage {
    l: Layout,
    items: Vec<Item>,
    unread: bool,
}

async fn centre(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ManageOwnAccount)?;
    let viewer = ctx.viewer()?;
    let t = ctx.tr();
    let items: Vec<Item> = notifications::latest(&state.db, viewer.account_id, 100)
        .await?
        .into_iter()
        .filter_map(|n| {
            let notice = Notice::from_key(&n.kind)?;
            Some(Item {
                text: t.t1(&notice.message_id(), "subject", &n.subject),
                // Links are written by the server; anything else is not followed.
                link: if n.link.starts_with('/') && !n.link.starts_with("//") {
                    n.link
                } else {
                    "/".to_owned()
                },
                when: beijing_time(n.created_at),
                unread: n.read_at.is_none(),
            })
        })
        .collect();
    render(&CentrePage {
        l: Layout::new(&ctx),
        unread: items.iter().any(|i| i.unread),
        items,
    })
}

async fn mark_read(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ManageOwnAccount)?;
    notifications::mark_read(&state.db, ctx.viewer()?.account_id).await?;
    Ok(Redirect::to("/notifications").into_response())
}
