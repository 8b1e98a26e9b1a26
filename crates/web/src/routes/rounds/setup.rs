//! Setting up a round: the street's list of rounds and a new round from the shortlist, the
//! round's page for its host, the rules, recusals and the draw.

use super::{NoticeQuery, ObjectionRow, answered, back, hosted, notice_text, today};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Layout, Pairs, beijing_time, field, parse_id, render};
use crate::routes::admin::admin_street;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chuangxiang_domain::competition::{Lang, Rules};
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::proposals::Status as ProposalStatus;
use chuangxiang_domain::rounds::{
    self as rules, RecusalReason, RoundError, RoundStatus, SheetSource,
};
use chuangxiang_store::{StoreError, accounts, org, proposals, rounds, season};
use std::collections::{HashMap, HashSet};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/rounds", get(admin_list).post(create))
        .route("/admin/rounds/{id}", get(admin_page))
        .route("/admin/rounds/{id}/rules", post(set_rules))
        .route("/admin/rounds/{id}/recusals", post(add_recusal))
        .route("/admin/rounds/{id}/draw", post(draw))
}

pub struct RoundRow {
    pub id: i64,
    pub name: String,
    pub status: String,
}

pub struct Candidate {
    pub id: i64,
    pub title: String,
    pub community: String,
}

#[derive(Template)]
#[template(path = "rounds/list.html")]
struct ListPage {
    l: Layout,
    rounds: Vec<RoundRow>,
    candidates: Vec<Candidate>,
    rules: String,
    name: String,
    errors: Vec<String>,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    rules_text: Option<String>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let street = admin_street(state, ctx).await?;
    ctx.require(Action::RunRound {
        street_id: street.id,
    })?;
    let t = ctx.tr();
    let s = season::current(&state.db, street.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let communities: HashMap<i64, String> = org::communities(&state.db, street.id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let shortlisted = proposals::list(
        &state.db,
        &proposals::ListQuery {
            season_id: s.id,
            statuses: vec![ProposalStatus::Shortlisted],
            ..Default::default()
        },
    )
    .await?;
    let failed = !errors.is_empty();
    let mut r = render(&ListPage {
        l: Layout::new(ctx),
        rounds: rounds::of_season(&state.db, s.id)
            .await?
            .into_iter()
            .map(|r| RoundRow {
                status: t.t(&format!("round-status-{}", r.status)),
                id: r.id,
                name: r.name,
            })
            .collect(),
        candidates: shortlisted
            .into_iter()
            .map(|p| Candidate {
                community: communities
                    .get(&p.community_id)
                    .cloned()
                    .unwrap_or_default(),
                id: p.id,
                title: p.title,
            })
            .collect(),
        rules: rules_text
            .unwrap_or_else(|| rules::default_rules(&format!("{}-{}", street.name, s.year))),
        name: name.chars().take(60).collect(),
        errors,
    })?;
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn admin_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&state, &ctx, "", None, vec![]).await
}

/// The problems of a rules text, in the reader's language.
fn rules_problems(t: Tr, text: &str) -> Result<Rules, Vec<String>> {
    let lang = if t.0.is_en() { Lang::En } else { Lang::Zh };
    Rules::from_toml(text).map_err(|ps| ps.iter().map(|p| p.message(lang)).collect())
}

/// Creates a round from shortlisted proposals of the current season.
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    ctx.require(Action::RunRound {
        street_id: street.id,
    })?;
    let t = ctx.tr();
    let s = season::current(&state.db, street.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = field(&form, "name");
    let text: String = field(&form, "rules").chars().take(20_000).collect();
    let mut errors = Vec::new();
    let name_ok = rules::round_name(name)
        .map_err(|e| errors.push(t.t(e.message_id())))
        .ok();
    let parsed = rules_problems(t, &text)
        .map_err(|ps| errors.extend(ps))
        .ok();
    let mut ids = Vec::new();
    for raw in form.iter().filter(|(k, _)| k == "proposal").map(|(_, v)| v) {
        let p = proposals::get(&state.db, parse_id(raw)?).await?;
        if p.season_id != s.id || p.status != ProposalStatus::Shortlisted.key() {
            return Err(AppError::NotFound);
        }
        ids.push(p.id);
    }
    if ids.is_empty() {
        errors.push(t.t(RoundError::NoProposals.message_id()));
    }
    let (Some(name), Some(parsed), true) = (name_ok, parsed, errors.is_empty()) else {
        return list_page(&state, &ctx, name, Some(text), errors).await;
    };
    let seed = rules::seed_of(&parsed, &format!("{}-{}-{}", street.name, s.year, name));
    let id = rounds::create(
        &state.db,
        rounds::NewRound {
            season_id: s.id,
            street_id: street.id,
            by: ctx.viewer()?.account_id,
            name: &name,
            rules: &text,
            seed: &seed,
            proposal_ids: &ids,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/rounds/{id}")).into_response())
}

pub struct JudgeRow {
    pub account_id: i64,
    pub name: String,
    pub group: String,
    pub card: bool,
    /// Scores on paper: staff type in the sheets without giving a reason.
    pub paper: bool,
}

pub struct OrderRow {
    pub proposal_id: i64,
    pub position: Option<i32>,
    pub title: String,
    pub community: String,
    pub done: usize,
    pub expected: usize,
    pub presenting: bool,
}

pub struct RecusalRow {
    pub judge: String,
    pub title: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "rounds/admin.html")]
struct AdminPage {
    l: Layout,
    id: i64,
    name: String,
    status: String,
    setup: bool,
    open: bool,
    closed: bool,
    published: bool,
    confirmed: bool,
    drawn: bool,
    seed: String,
    rules: String,
    groups: Vec<String>,
    criteria: Vec<(String, Vec<String>)>,
    order: Vec<OrderRow>,
    judges: Vec<JudgeRow>,
    /// How many judges score on paper: the paper form offers them first.
    paper_judges: usize,
    recusals: Vec<RecusalRow>,
    objections: Vec<ObjectionRow>,
    notice: Option<String>,
    notice_period: String,
    today: String,
}

async fn admin_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let d = hosted(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let mut people: Vec<i64> = d.judges.iter().map(|j| j.account_id).collect();
    people.extend(d.recusals.iter().map(|r| r.account_id));
    let known = accounts::by_ids(&state.db, &people).await?;
    let name = |a: i64| {
        known
            .iter()
            .find(|k| k.id == a)
            .map(|k| k.display_name.clone())
            .unwrap_or_default()
    };
    // Judges without a phone log in with a printed card.
    let phones: HashSet<i64> = known
        .iter()
        .filter(|a| a.phone.is_some())
        .map(|a| a.id)
        .collect();
    render(&AdminPage {
        l: Layout::new(&ctx),
        id: d.id,
        name: d.name.clone(),
        status: t.t(&format!("round-status-{}", d.status.key())),
        setup: d.status == RoundStatus::Setup,
        open: d.status == RoundStatus::Open,
        closed: d.status == RoundStatus::Closed,
        published: d.status == RoundStatus::Published,
        confirmed: d.status == RoundStatus::Confirmed,
        drawn: d.drawn,
        seed: d.seed.clone(),
        rules: d.rules_text.clone(),
        groups: d.rules.groups().iter().map(|g| g.key.clone()).collect(),
        criteria: d
            .rules
            .criteria()
            .iter()
            .map(|c| {
                (
                    c.key.clone(),
                    rules::steps_of(&d.rules, c.max)
                        .into_iter()
                        .map(|v| v.to_string())
                        .collect(),
                )
            })
            .collect(),
        order: d
            .proposals
            .iter()
            .map(|p| {
                let progress = d.progress(p.proposal_id);
                OrderRow {
                    proposal_id: p.proposal_id,
                    position: p.position,
                    title: p.title.clone(),
                    community: p.community.clone(),
                    done: progress.submitted,
                    expected: progress.expected,
                    presenting: d.presenting == Some(p.proposal_id),
                }
            })
            .collect(),
        judges: d
            .judges
            .iter()
            .map(|j| JudgeRow {
                account_id: j.account_id,
                name: name(j.account_id),
                group: j.group.clone(),
                card: !phones.contains(&j.account_id),
                paper: j.source == SheetSource::Paper,
            })
            .collect(),
        paper_judges: d
            .judges
            .iter()
            .filter(|j| j.source == SheetSource::Paper)
            .count(),
        recusals: d
            .recusals
            .iter()
            .map(|r| RecusalRow {
                judge: name(r.account_id),
                title: d.title_of(r.proposal_id).to_owned(),
                reason: t.t(&format!("recusal-{}", r.reason.key())),
            })
            .collect(),
        objections: rounds::objections(&state.db, d.id)
            .await?
            .into_iter()
            .map(|o| ObjectionRow {
                id: o.id,
                body: o.body,
                answer: o.answer,
                when: beijing_time(o.created_at),
            })
            .collect(),
        notice: notice_text(t, q.notice.as_deref()),
        notice_period: d
            .notice
            .map(|(s, e)| format!("{s} – {e}"))
            .unwrap_or_default(),
        today: today().to_string(),
    })
}

async fn set_rules(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    let text: String = field(&form, "rules").chars().take(20_000).collect();
    let Ok(parsed) = Rules::from_toml(&text) else {
        return Ok(back(r.id, RoundError::Rules.message_id()));
    };
    let seed = rules::seed_of(&parsed, &r.seed);
    answered(
        &state,
        r.id,
        rounds::set_rules(
            &state.db,
            r.id,
            r.street_id,
            ctx.viewer()?.account_id,
            &text,
            &seed,
        )
        .await,
        "rules-saved",
        RoundError::NotSetup,
    )
}

async fn add_recusal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    if r.status != RoundStatus::Setup {
        return Ok(back(r.id, RoundError::NotSetup.message_id()));
    }
    let judge = parse_id(field(&form, "judge"))?;
    let proposal = parse_id(field(&form, "proposal"))?;
    if r.judge(judge).is_none() || r.proposal(proposal).is_none() {
        return Err(AppError::NotFound);
    }
    match rounds::add_recusal(
        &state.db,
        r.id,
        r.street_id,
        ctx.viewer()?.account_id,
        judge,
        proposal,
        RecusalReason::Admin,
    )
    .await
    {
        Ok(()) | Err(StoreError::Conflict) => Ok(back(r.id, "recusal-added")),
        Err(e) => Err(e.into()),
    }
}

/// Draws the running order by lot from the round's published seed.
async fn draw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    let ids: Vec<String> = r
        .proposals
        .iter()
        .map(|p| p.proposal_id.to_string())
        .collect();
    let order: Vec<i64> = rules::draw(&r.seed, &ids)
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect();
    answered(
        &state,
        r.id,
        rounds::draw(
            &state.db,
            r.id,
            r.street_id,
            ctx.viewer()?.account_id,
            &order,
        )
        .await,
        "drawn",
        RoundError::NotSetup,
    )
}
