//! The printed 提案书: the proposal alone on A4, in print order.

use super::reading::{Body, body_of};
use super::{category_name, load};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::pages::{beijing_time, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use chuangxiang_store::{accounts, org, proposals, season};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/proposals/{id}/print", get(print))
}

/// What the printed page's shared parts (`body.html`) need of a layout: only the language.
pub struct PrintLayout {
    pub t: Tr,
}

#[derive(Template)]
#[template(path = "proposals/print.html")]
struct PrintPage {
    l: PrintLayout,
    street: String,
    season: String,
    title: String,
    community: String,
    category: String,
    status: String,
    version: i32,
    team: Vec<String>,
    ideas: Vec<String>,
    b: Body,
    printed: String,
}

/// The 提案书 on A4: the proposal alone, in print order, without the site around it.
async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let joined = p.joined();
    let names = accounts::names(&state.db, &joined).await?;
    render(&PrintPage {
        l: PrintLayout { t },
        street: org::street(&state.db, p.community.street_id).await?.name,
        season: season::by_id(&state.db, p.season_id).await?.title,
        community: org::community(&state.db, p.community.community_id)
            .await?
            .name,
        category: category_name(&state, p.season_id, p.category_id).await?,
        status: t.t(&format!("proposal-status-{}", p.status.key())),
        version: p.version,
        team: joined
            .iter()
            .filter_map(|id| names.get(id).cloned())
            .collect(),
        ideas: proposals::ideas(&state.db, p.id)
            .await?
            .into_iter()
            .map(|i| i.title)
            .collect(),
        b: body_of(&p.content),
        printed: beijing_time(chuangxiang_store::now_ms()),
        title: p.title,
    })
}
