//! The proposal competition (steps 5 and 6): setting up a round, judges and their login cards,
//! recusals, the draw, the live round (judges' phones, paper sheets, the projector fed by
//! Server-Sent Events), the result with its files, publication with objections, and
//! confirmation into funded projects. One module per thing a person does; what they
//! share is here; the rules are `domain::rounds::Round`'s.

mod judges;
mod judging;
mod live;
mod publication;
mod results;
mod setup;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::parse_id;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use chuangxiang_domain::competition::{Lang, Outcome};
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::rounds::{PublishedFiles, Round, RoundError, RoundStatus};
use chuangxiang_store::{StoreError, rounds};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(setup::router())
        .merge(judges::router())
        .merge(judging::router())
        .merge(live::router())
        .merge(results::router())
        .merge(publication::router())
}

/// Beijing's date today: notice periods are counted in it.
fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A round as the domain sees it, or 404.
async fn load(state: &AppState, raw: &str) -> AppResult<Round> {
    Ok(rounds::load(&state.db, parse_id(raw)?).await?)
}

/// A round the viewer hosts, or 404/403/login.
async fn hosted(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<Round> {
    ctx.viewer()?;
    let round = load(state, raw).await?;
    ctx.require(Action::RunRound {
        street_id: round.street_id,
    })?;
    Ok(round)
}

/// The round's files, or a 500: a round whose files cannot be written contradicts itself.
fn files_of(round: &Round) -> AppResult<PublishedFiles> {
    round
        .files(None)
        .map_err(|e| AppError::Internal(format!("round {}: {e}", round.id)))
}

/// The engine's result on the round's files; problems in them are a 500, since every sheet
/// was checked as it came in.
fn outcome_of(round: &Round) -> AppResult<Outcome> {
    let decided = round
        .decide(None)
        .map_err(|e| AppError::Internal(format!("round {}: {e}", round.id)))?;
    decided.map_err(|problems| {
        AppError::Internal(
            problems
                .iter()
                .map(|p| p.message(Lang::Zh))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// Answers a host's change: back to the round page saying it is done, or why it was refused
/// (`Conflict`: the round was no longer in the state the change needs). Screens are told.
fn answered<T>(
    state: &AppState,
    id: i64,
    result: chuangxiang_store::Result<T>,
    done: &str,
    refused: RoundError,
) -> AppResult<Response> {
    match result {
        Ok(_) => {
            state.live.changed(id);
            Ok(back(id, done))
        }
        Err(StoreError::Conflict) => Ok(back(id, refused.message_id())),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

fn back(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("/admin/rounds/{id}?notice={notice}")).into_response()
}

pub struct ObjectionRow {
    pub id: i64,
    pub body: String,
    pub answer: Option<String>,
    pub when: String,
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// What a redirect back to a round's pages may say was done (`round-notice-<key>`): a fixed list,
/// so a link cannot put words on the page.
pub const NOTICES: [&str; 14] = [
    "rules-saved",
    "judge-added",
    "recusal-added",
    "drawn",
    "opened",
    "presenting",
    "paper-saved",
    "reopened",
    "closed",
    "published",
    "answered",
    "confirmed",
    "sheet-saved",
    "objection-filed",
];

fn notice_text(t: Tr, raw: Option<&str>) -> Option<String> {
    let n = raw?;
    if NOTICES.contains(&n) {
        return Some(t.t(&format!("round-notice-{n}")));
    }
    RoundError::ALL
        .iter()
        .map(|e| e.message_id())
        .chain(["err-round-judge-account", "err-round-conflict-late"])
        .find(|id| *id == n)
        .map(|id| t.t(id))
}

/// A round whose result the viewer may read: public once published, before that the street
/// admin's once closed.
async fn readable(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<Round> {
    let round = load(state, raw).await?;
    ctx.require(Action::ReadRoundResult {
        street_id: round.street_id,
        published: round.status.is_public(),
    })?;
    if round.status < RoundStatus::Closed {
        return Err(AppError::NotFound);
    }
    Ok(round)
}
