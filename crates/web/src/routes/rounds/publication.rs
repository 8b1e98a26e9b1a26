//! Publication: the notice period, residents' objections and the street's answers,
//! confirmation into funded projects, and the public projects page.

use super::{answered, back, hosted, outcome_of, readable, today};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Layout, Pairs, field, parse_id, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::rounds::{self as rules, RoundError, RoundStatus};
use chuangxiang_store::{StoreError, org, rounds};
use rust_decimal::Decimal;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/rounds/{id}/publish", post(publish))
        .route("/admin/rounds/{id}/objections/{objection}", post(answer))
        .route("/admin/rounds/{id}/confirm", post(confirm))
        .route("/rounds/{id}/objections", post(object))
        .route("/projects", get(projects_page))
}

async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    let date = |k: &str| NaiveDate::parse_from_str(field(&form, k).trim(), "%Y-%m-%d").ok();
    let (starts, ends) = match rules::check_notice(r.status, today(), date("starts"), date("ends"))
    {
        Ok(d) => d,
        Err(e) => return Ok(back(r.id, e.message_id())),
    };
    answered(
        &state,
        r.id,
        rounds::publish(
            &state.db,
            r.id,
            r.street_id,
            ctx.viewer()?.account_id,
            starts,
            ends,
        )
        .await,
        "published",
        RoundError::NotClosed,
    )
}

async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, objection)): Path<(String, String)>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    let objection = parse_id(&objection)?;
    let text = match rules::check_reason(field(&form, "answer")) {
        Ok(t) => t,
        Err(e) => return Ok(back(r.id, e.message_id())),
    };
    match rounds::answer(
        &state.db,
        r.id,
        r.street_id,
        ctx.viewer()?.account_id,
        objection,
        &text,
    )
    .await
    {
        Ok(()) => Ok(back(r.id, "answered")),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// After the notice period: the winners become funded projects with their budgets.
async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let d = hosted(&state, &ctx, &id).await?;
    if let Err(e) = rules::check_confirm(d.status, today(), d.notice) {
        return Ok(back(d.id, e.message_id()));
    }
    let outcome = outcome_of(&d)?;
    let mut winners = Vec::new();
    for w in outcome.winners() {
        let pid: i64 = w.proposal.parse().map_err(|_| AppError::NotFound)?;
        let p = d.proposal(pid).ok_or(AppError::NotFound)?;
        winners.push(rounds::Funded {
            proposal_id: p.proposal_id,
            community_id: p.community_id,
            title: p.title.clone(),
            budget: p.cost.clone(),
        });
    }
    answered(
        &state,
        d.id,
        rounds::confirm(
            &state.db,
            d.id,
            d.street_id,
            ctx.viewer()?.account_id,
            &winners,
        )
        .await,
        "confirmed",
        RoundError::NotClosed,
    )
}

/// A resident files an objection during the notice period.
async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    ctx.require(Action::FileObjection)?;
    let r = readable(&state, &ctx, &id).await?;
    let to = |notice: &str| {
        Redirect::to(&format!(
            "/rounds/{}/results?notice={notice}#objections",
            r.id
        ))
        .into_response()
    };
    if let Err(e) = rules::check_objection(r.status, today(), r.notice) {
        return Ok(to(e.message_id()));
    }
    let body = match rules::check_reason(field(&form, "body")) {
        Ok(b) => b,
        Err(e) => return Ok(to(e.message_id())),
    };
    let me = ctx.viewer()?.account_id;
    match rounds::object(&state.db, r.id, r.street_id, me, &body).await {
        Ok(()) => Ok(to("objection-filed")),
        // Refused inside the store's transaction: say why from what is stored now. Objections
        // are never removed, so the rule that refused it still does, unless the notice ended.
        Err(StoreError::Conflict) => {
            let mine = rounds::objections_by(&state.db, r.id, me).await?;
            let why = rules::check_objection_quota(mine.iter().map(|o| o.body.as_str()), &body)
                .err()
                .unwrap_or(RoundError::NotInNotice);
            Ok(to(why.message_id()))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct ProjectRow {
    pub title: String,
    pub budget: String,
    pub proposal_id: i64,
}

#[derive(Template)]
#[template(path = "rounds/projects.html")]
struct ProjectsPage {
    l: Layout,
    season: String,
    by_community: Vec<(String, Vec<ProjectRow>)>,
    total: String,
    /// Published results: (round, name, status), where residents read and object to them.
    results: Vec<(i64, String, String)>,
}

/// The public announcement of the season's funded projects, by community, and the results
/// published for their notice period.
async fn projects_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let (street, s) = crate::routes::ideas::current_season(&state).await?;
    let communities: Vec<org::Community> = org::communities(&state.db, street.id).await?;
    let all = rounds::projects(&state.db, s.id).await?;
    let mut total = Decimal::ZERO;
    let mut by_community = Vec::new();
    for c in communities {
        let rows: Vec<ProjectRow> = all
            .iter()
            .filter(|p| p.community_id == c.id)
            .map(|p| {
                total += Decimal::from_str_exact(&p.approved_budget).unwrap_or(Decimal::ZERO);
                ProjectRow {
                    title: p.title.clone(),
                    budget: p.approved_budget.clone(),
                    proposal_id: p.proposal_id,
                }
            })
            .collect();
        if !rows.is_empty() {
            by_community.push((c.name, rows));
        }
    }
    let t = ctx.tr();
    let results = rounds::of_season(&state.db, s.id)
        .await?
        .into_iter()
        .filter(|r| RoundStatus::from_key(&r.status).is_some_and(RoundStatus::is_public))
        .map(|r| (r.id, r.name, t.t(&format!("round-status-{}", r.status))))
        .collect();
    render(&ProjectsPage {
        l: Layout::new(&ctx),
        season: s.title,
        results,
        by_community,
        total: chuangxiang_domain::proposals::yuan(total),
    })
}
