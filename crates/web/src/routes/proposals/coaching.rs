//! Coaching: the coach's notes on a section, and their sign-off of the readiness checklist.

use super::{ask, back_to, load};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Pairs, field};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use chuangxiang_domain::proposals::{self as rules, Checklist, ProposalError, Section};
use chuangxiang_store::{StoreError, proposals};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals/{id}/notes", post(add_note))
        .route("/proposals/{id}/sign-off", post(sign_off))
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    section: String,
    #[serde(default)]
    body: String,
}

/// The coach's note on one section, for the team.
async fn add_note(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let p = load(&state, &ctx, &id).await?;
    if let Err(e) = ask(p.may_coach(ctx.actor()))? {
        return Ok(back_to(p.id, e.message_id()));
    }
    let section = Section::from_key(&form.section).ok_or(AppError::NotFound)?;
    let body = match rules::check_note(&form.body) {
        Ok(b) => b,
        Err(e) => return Ok(back_to(p.id, e.message_id())),
    };
    proposals::add_note(
        &state.db,
        p.id,
        p.community.street_id,
        ctx.viewer()?.account_id,
        section.key(),
        &body,
    )
    .await?;
    Ok(back_to(p.id, "noted"))
}

/// The coach signs off the readiness checklist for the version they read.
async fn sign_off(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let p = load(&state, &ctx, &id).await?;
    let checklist = Checklist::from_ticked(|k| !field(&form, k).is_empty());
    let version: i32 = field(&form, "version").trim().parse().unwrap_or(0);
    if let Err(e) = ask(p.sign_off(ctx.actor(), version, checklist))? {
        return Ok(back_to(p.id, e.message_id()));
    }
    // A save by the team since loading: the store's conditional update refuses the sign-off.
    let notice = match proposals::sign_off(
        &state.db,
        p.id,
        p.community.street_id,
        ctx.viewer()?.account_id,
        version,
    )
    .await
    {
        Ok(()) => "signed-off",
        Err(StoreError::Conflict) => ProposalError::EditConflict.message_id(),
        Err(e) => return Err(e.into()),
    };
    Ok(back_to(p.id, notice))
}
