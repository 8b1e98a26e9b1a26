//! Proposals (step 4): starting one from accepted ideas, the team, revising with every version
//! kept, coaching notes, comparing versions, the coach's sign-off, the street's shortlist, and
//! the printable 提案书. One module per thing a person does; what they share is here.

mod coaching;
mod drafting;
mod listing;
mod print;
mod reading;
mod shortlist;
mod starting;
mod team;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::pages::parse_id;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chuangxiang_domain::proposals::{Proposal, ProposalError, Refusal};
use chuangxiang_store::{ideas, proposals};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(listing::router())
        .merge(starting::router())
        .merge(reading::router())
        .merge(drafting::router())
        .merge(team::router())
        .merge(coaching::router())
        .merge(shortlist::router())
        .merge(print::router())
}

/// Loads a proposal the viewer may read, or answers 404/403/login.
async fn load(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<Proposal> {
    let p = proposals::load(&state.db, parse_id(raw)?).await?;
    p.may_read(ctx.actor())?;
    Ok(p)
}

/// Splits the proposal's answer: a denial is the request's error (403, or log in first); a
/// rule of the programme is what the page then explains.
fn ask(answer: Result<(), Refusal>) -> AppResult<Result<(), ProposalError>> {
    match answer {
        Ok(()) => Ok(Ok(())),
        Err(Refusal::Denied(d)) => Err(d.into()),
        Err(Refusal::Rule(e)) => Ok(Err(e)),
    }
}

fn back_to(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("/proposals/{id}?notice={notice}")).into_response()
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

fn problem_text(t: Tr, e: ProposalError) -> String {
    match e.row() {
        Some(row) => t.t1(e.message_id(), "row", row),
        None => t.t(e.message_id()),
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// What a redirect may say was done (`proposal-notice-<key>`; `shortlisted` carries a count):
/// a fixed list, so a link cannot put words on the page.
pub const NOTICES: [&str; 8] = [
    "saved",
    "created",
    "invited",
    "joined",
    "declined",
    "noted",
    "signed-off",
    "shortlisted",
];

fn notice_text(t: Tr, raw: Option<&str>) -> Option<String> {
    let n = raw?;
    if NOTICES.contains(&n) || n.starts_with("shortlisted") {
        let (key, count) = n.split_once(':').unwrap_or((n, "0"));
        return Some(t.t1(
            &format!("proposal-notice-{key}"),
            "count",
            count.parse::<u64>().unwrap_or(0),
        ));
    }
    ProposalError::ALL
        .iter()
        .map(|e| e.message_id())
        .find(|id| *id == n)
        .map(|id| t.t(id))
}

async fn category_name(state: &AppState, season_id: i64, id: i64) -> AppResult<String> {
    Ok(ideas::categories(&state.db, season_id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.name)
        .unwrap_or_default())
}

fn guarantee_labels(t: Tr) -> [String; 3] {
    [
        t.t("proposal-field-partners"),
        t.t("proposal-field-resources"),
        t.t("proposal-field-risks"),
    ]
}
