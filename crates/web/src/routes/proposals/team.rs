//! The team: inviting a registered person by their number, and answering an invitation.

use super::{ask, back_to, load};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use chuangxiang_domain::account::Phone;
use chuangxiang_domain::proposals::ProposalError;
use chuangxiang_store::{StoreError, accounts, proposals};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals/{id}/invite", post(invite))
        .route("/proposals/{id}/invitation", post(answer_invitation))
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    phone: String,
}

/// Invites a registered person to the team by their mobile number.
async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let p = load(&state, &ctx, &id).await?;
    if let Err(e) = ask(p.may_invite(ctx.actor()))? {
        return Ok(back_to(p.id, e.message_id()));
    }
    let account = match Phone::parse(&form.phone) {
        Ok(phone) => accounts::by_phone(&state.db, &phone).await?,
        Err(_) => None,
    };
    let Some(account) = account else {
        return Ok(back_to(p.id, ProposalError::NoSuchAccount.message_id()));
    };
    if let Err(e) = ask(p.invite(ctx.actor(), account.id))? {
        return Ok(back_to(p.id, e.message_id()));
    }
    // Two invitations of one person at once: the store's unique rule refuses the second.
    let notice = match proposals::invite(
        &state.db,
        p.id,
        p.community.street_id,
        ctx.viewer()?.account_id,
        account.id,
    )
    .await
    {
        Ok(()) => "invited",
        Err(StoreError::Conflict) => ProposalError::AlreadyOnTeam.message_id(),
        Err(e) => return Err(e.into()),
    };
    Ok(back_to(p.id, notice))
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    answer: String,
}

/// The invited person accepts (joins the team) or declines.
async fn answer_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let p = load(&state, &ctx, &id).await?;
    if let Err(e) = ask(p.may_answer(ctx.actor()))? {
        return Ok(back_to(p.id, e.message_id()));
    }
    let accept = match form.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::NotFound),
    };
    match proposals::answer_invitation(
        &state.db,
        p.id,
        p.community.street_id,
        ctx.viewer()?.account_id,
        accept,
    )
    .await
    {
        Ok(()) if accept => Ok(back_to(p.id, "joined")),
        // Having declined, the person may no longer read a draft.
        Ok(()) => Ok(Redirect::to("/proposals?notice=declined").into_response()),
        Err(StoreError::Conflict) => Ok(back_to(p.id, "joined")),
        Err(e) => Err(e.into()),
    }
}
