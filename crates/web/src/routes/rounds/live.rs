//! The live round as the host runs it (open, call the next proposal, close) and as the hall sees
//! it: the projector and its Server-Sent Events feed.

use super::{answered, back, hosted, outcome_of};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Pairs, field, parse_id, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::rounds::{self as rules, RoundError, RoundStatus};
use chuangxiang_store::rounds;
use std::convert::Infallible;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/rounds/{id}/open", post(open))
        .route("/admin/rounds/{id}/present", post(present))
        .route("/admin/rounds/{id}/close", post(close))
        .route("/rounds/{id}/projector", get(projector))
        .route("/rounds/{id}/state", get(state_json))
        .route("/rounds/{id}/events", get(events))
}

async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    if let Err(e) = rules::check_open(r.status, r.drawn, r.proposals.len(), r.judges.len()) {
        return Ok(back(r.id, e.message_id()));
    }
    answered(
        &state,
        r.id,
        rounds::open(&state.db, r.id, r.street_id, ctx.viewer()?.account_id).await,
        "opened",
        RoundError::NotSetup,
    )
}

/// The host calls a proposal on stage ("now presenting").
async fn present(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    let proposal = parse_id(field(&form, "proposal"))?;
    if r.proposal(proposal).is_none() {
        return Err(AppError::NotFound);
    }
    answered(
        &state,
        r.id,
        rounds::present(
            &state.db,
            r.id,
            r.street_id,
            ctx.viewer()?.account_id,
            proposal,
        )
        .await,
        "presenting",
        RoundError::NotOpen,
    )
}

/// Closes the round and computes its result exactly as scoring.md says.
async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    if r.status != RoundStatus::Open {
        return Ok(back(r.id, RoundError::NotOpen.message_id()));
    }
    // The web checks every sheet as it comes in, so problems here mean stored data went wrong.
    let results = outcome_of(&r)?.to_results_csv();
    answered(
        &state,
        r.id,
        rounds::close(
            &state.db,
            r.id,
            r.street_id,
            ctx.viewer()?.account_id,
            &results,
        )
        .await,
        "closed",
        RoundError::NotOpen,
    )
}

/// The round's live state as the projector shows it (see [`Round::live_state`]), as JSON.
async fn live_state(state: &AppState, id: i64) -> AppResult<String> {
    let round = rounds::load(&state.db, id).await?;
    let live = round
        .live_state(chuangxiang_store::now_ms())
        .map_err(|e| AppError::Internal(format!("round {id}: {e}")))?;
    serde_json::to_string(&live).map_err(|e| AppError::Internal(e.to_string()))
}

async fn shared_state(state: &AppState, id: i64) -> AppResult<std::sync::Arc<String>> {
    state.live.state(id, || live_state(state, id)).await
}

#[derive(Template)]
#[template(path = "rounds/projector.html")]
struct ProjectorPage {
    t: Tr,
    id: i64,
    name: String,
    initial: String,
}

/// The big screen: public, as the hall sees it anyway.
async fn projector(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let r = rounds::get(&state.db, parse_id(&id)?).await?;
    let initial = shared_state(&state, r.id).await?;
    render(&ProjectorPage {
        t: ctx.tr(),
        id: r.id,
        name: r.name,
        initial: initial.as_str().to_owned(),
    })
}

async fn state_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let r = rounds::get(&state.db, parse_id(&id)?).await?;
    let body = shared_state(&state, r.id).await?;
    let mut response = body.as_str().to_owned().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// The live feed: the current state at once, then again after every change of the round.
async fn events(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Sse<impl futures_core::Stream<Item = Result<Event, Infallible>>>> {
    ctx.require(Action::ReadPublic)?;
    let r = rounds::get(&state.db, parse_id(&id)?).await?;
    let round = r.id;
    let mut rx = state.live.subscribe();
    let first = shared_state(&state, round).await?;
    let stream = async_stream::stream! {
        yield Ok(Event::default().data(first.as_str()));
        loop {
            match rx.recv().await {
                Ok(changed) if changed != round => continue,
                // Behind by many changes: the latest state covers them all.
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    match shared_state(&state, round).await {
                        Ok(text) => yield Ok(Event::default().data(text.as_str())),
                        Err(e) => tracing::warn!(round, error = ?e, "live state failed"),
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
