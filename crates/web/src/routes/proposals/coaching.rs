//! Coaching: the coach's notes on a section, and their sign-off of the readiness checklist.

use super::{back_to, load};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Pairs, field};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use chuangxiang_domain::policy::Action;
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
    let x = load(&state, &ctx, &id).await?;
    ctx.require(Action::CoachProposal(x.r))?;
    if let Err(e) = rules::check_edit(x.step, Some(x.status)) {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    let section = Section::from_key(&form.section).ok_or(AppError::NotFound)?;
    let body = match rules::check_note(&form.body) {
        Ok(b) => b,
        Err(e) => return Ok(back_to(x.p.id, e.message_id())),
    };
    proposals::add_note(
        &state.db,
        x.p.id,
        x.community.street_id,
        ctx.viewer()?.account_id,
        section.key(),
        &body,
    )
    .await?;
    Ok(back_to(x.p.id, "noted"))
}

/// The coach signs off the readiness checklist for the version they read.
async fn sign_off(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    ctx.require(Action::SignOffProposal(x.r))?;
    let checklist = Checklist::from_ticked(|k| !field(&form, k).is_empty());
    let version: i32 = field(&form, "version").trim().parse().unwrap_or(0);
    let content = proposals::content_of(&x.p.content)?;
    if let Err(e) = rules::sign_off(
        x.step,
        x.status,
        &content,
        proposals::joined(&x.team).len(),
        checklist,
    ) {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    let notice = match proposals::sign_off(
        &state.db,
        x.p.id,
        x.community.street_id,
        ctx.viewer()?.account_id,
        version,
    )
    .await
    {
        Ok(()) => "signed-off",
        Err(StoreError::Conflict) => ProposalError::EditConflict.message_id(),
        Err(e) => return Err(e.into()),
    };
    Ok(back_to(x.p.id, notice))
}
