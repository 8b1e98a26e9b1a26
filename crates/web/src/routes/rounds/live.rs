//! The live round as the host runs it (open, call the next proposal, close) and as the hall sees
//! it: the projector and its Server-Sent Events feed.

use super::data::round_data;
use super::{answered, back, hosted, load_round, status_of};
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
use serde::Serialize;
use std::collections::HashSet;
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
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let judges = rounds::judges(&state.db, r.id).await?.len();
    let count = rounds::proposals(&state.db, r.id).await?.len();
    if let Err(e) = rules::check_open(status_of(&r)?, r.drawn, count, judges) {
        return Ok(back(r.id, e.message_id()));
    }
    answered(
        &state,
        r.id,
        rounds::open(&state.db, r.id, street, ctx.viewer()?.account_id).await,
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
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let proposal = parse_id(field(&form, "proposal"))?;
    if !rounds::proposals(&state.db, r.id)
        .await?
        .iter()
        .any(|p| p.proposal_id == proposal)
    {
        return Err(AppError::NotFound);
    }
    answered(
        &state,
        r.id,
        rounds::present(&state.db, r.id, street, ctx.viewer()?.account_id, proposal).await,
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
    let (r, street) = hosted(&state, &ctx, &id).await?;
    if status_of(&r)? != RoundStatus::Open {
        return Ok(back(r.id, RoundError::NotOpen.message_id()));
    }
    let d = round_data(&state, r).await?;
    let results = match d.decide(None)? {
        Ok(outcome) => outcome.to_results_csv(),
        // The web checks every sheet as it comes in, so this means stored data went wrong.
        Err(problems) => return Err(AppError::Internal(problems)),
    };
    answered(
        &state,
        d.round.id,
        rounds::close(
            &state.db,
            d.round.id,
            street,
            ctx.viewer()?.account_id,
            &results,
        )
        .await,
        "closed",
        RoundError::NotOpen,
    )
}

#[derive(Serialize)]
struct Standing {
    rank: Option<usize>,
    title: String,
    community: String,
    #[serde(rename = "final")]
    final_score: String,
}

#[derive(Serialize)]
struct OnStage {
    id: i64,
    title: String,
    community: String,
    position: Option<i32>,
    since: Option<i64>,
    submitted: usize,
    expected: usize,
    complete: bool,
    #[serde(rename = "final")]
    final_score: Option<String>,
}

#[derive(Serialize)]
struct LiveState {
    round: i64,
    status: String,
    /// Milliseconds since the epoch on the server, so screens can correct their clocks.
    now: i64,
    count: usize,
    presenting: Option<OnStage>,
    standings: Vec<Standing>,
}

/// The round's live state as the projector shows it: the proposal on stage, how many judges
/// have submitted, and the standings of the proposals whose sheets are all in. Once the round
/// is closed the standings wait for publication.
async fn live_state(state: &AppState, raw_id: i64) -> AppResult<String> {
    let r = rounds::get(&state.db, raw_id).await?;
    let d = round_data(state, r).await?;
    let complete: HashSet<i64> = d
        .proposals
        .iter()
        .map(|(_, p)| p.id)
        .filter(|p| {
            let (done, expected) = d.progress(*p);
            expected > 0 && done >= expected
        })
        .collect();
    let show = matches!(d.status, RoundStatus::Open) || d.status.is_public();
    let outcome = if show && !complete.is_empty() {
        d.decide(Some(&complete))?.ok()
    } else {
        None
    };
    let final_of = |p: i64| {
        outcome.as_ref().and_then(|o| {
            o.proposals
                .iter()
                .find(|r| r.proposal == p.to_string())
                .and_then(|r| r.final_score.as_ref().map(|f| f.for_page()))
        })
    };
    let presenting = d.round.presenting.map(|p| {
        let (submitted, expected) = d.progress(p);
        OnStage {
            id: p,
            title: d.title(p),
            community: d.community_of(p),
            position: d.position(p),
            since: d.round.presenting_since,
            submitted,
            expected,
            complete: complete.contains(&p),
            final_score: final_of(p),
        }
    });
    let standings = outcome
        .as_ref()
        .map(|o| {
            o.proposals
                .iter()
                .filter_map(|r| {
                    let id: i64 = r.proposal.parse().ok()?;
                    Some(Standing {
                        rank: r.rank,
                        title: d.title(id),
                        community: d.community_of(id),
                        final_score: r.final_score.as_ref()?.for_page(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let body = LiveState {
        round: d.round.id,
        status: d.status.key().to_owned(),
        now: chuangxiang_store::now_ms(),
        count: d.proposals.len(),
        presenting,
        standings,
    };
    serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))
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
    let (r, _) = load_round(&state, &id).await?;
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
    let (r, _) = load_round(&state, &id).await?;
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
    let (r, _) = load_round(&state, &id).await?;
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
