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
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::parse_id;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chuangxiang_domain::policy::{Action, CommunityRef, ProposalRef};
use chuangxiang_domain::proposals::{self as rules, ProposalError, Status};
use chuangxiang_domain::season::Step;
use chuangxiang_store::{ideas, org, proposals, season};
use rust_decimal::Decimal;
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

/// The season's cap on one proposal's budget.
fn cap_of(s: &season::Season) -> Option<Decimal> {
    s.budget_cap
        .as_deref()
        .and_then(|c| Decimal::from_str_exact(c).ok())
}

/// A proposal with everything needed to decide who may do what with it.
struct Loaded {
    p: proposals::Proposal,
    community: org::Community,
    season: season::Season,
    step: Step,
    status: Status,
    team: Vec<proposals::Member>,
    r: ProposalRef,
}

/// Loads a proposal the viewer may read, or answers 404/403/login.
async fn load(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<Loaded> {
    let p = proposals::get(&state.db, parse_id(raw)?).await?;
    let community = org::community(&state.db, p.community_id).await?;
    let season = season::by_id(&state.db, p.season_id).await?;
    let step = Step::from_number(season.current_step).ok_or(AppError::NotFound)?;
    let status = Status::from_key(&p.status).ok_or(AppError::NotFound)?;
    let team = proposals::team(&state.db, p.id).await?;
    let viewer = ctx.viewer.as_ref().map(|v| v.account_id);
    let r = ProposalRef {
        community: CommunityRef {
            community_id: community.id,
            street_id: community.street_id,
        },
        coach_org: proposals::coach_of(&state.db, p.season_id, p.community_id).await?,
        team: team
            .iter()
            .find(|m| Some(m.account_id) == viewer)
            .and_then(proposals::role),
        public: status.is_public(),
    };
    ctx.require(Action::ReadProposal(r))?;
    Ok(Loaded {
        p,
        community,
        season,
        step,
        status,
        team,
        r,
    })
}

/// Checks that the viewer may revise the proposal now.
fn may_edit(ctx: &Ctx, x: &Loaded) -> AppResult<Result<(), ProposalError>> {
    ctx.require(Action::EditProposal(x.r))?;
    Ok(rules::check_edit(x.step, Some(x.status)))
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
