//! The proposal competition (steps 5 and 6): setting up a round, judges and their login cards,
//! recusals, the draw, the live round (judges' phones, paper sheets, the projector fed by
//! Server-Sent Events), the result with its files, publication with objections, and
//! confirmation into funded projects.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Layout, Pairs, beijing_time, field, parse_id, render};
use crate::routes::admin::admin_street;
use crate::routes::export::spreadsheet_text;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use chuangxiang_domain::account::Phone;
use chuangxiang_domain::competition::{self, Lang, Outcome, Rules, Sources};
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::proposals::Status as ProposalStatus;
use chuangxiang_domain::rounds::{
    self as rules, RecusalReason, RoundError, RoundStatus, SheetSource,
};
use chuangxiang_store::{StoreError, accounts, org, proposals, rounds, season, sessions};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/rounds", get(admin_list).post(create))
        .route("/admin/rounds/{id}", get(admin_page))
        .route("/admin/rounds/{id}/rules", post(set_rules))
        .route("/admin/rounds/{id}/judges", post(add_judge))
        .route("/admin/rounds/{id}/cards", post(cards))
        .route("/admin/rounds/{id}/recusals", post(add_recusal))
        .route("/admin/rounds/{id}/draw", post(draw))
        .route("/admin/rounds/{id}/open", post(open))
        .route("/admin/rounds/{id}/present", post(present))
        .route("/admin/rounds/{id}/paper", post(paper_sheet))
        .route("/admin/rounds/{id}/reopen", post(reopen))
        .route("/admin/rounds/{id}/close", post(close))
        .route("/admin/rounds/{id}/publish", post(publish))
        .route("/admin/rounds/{id}/objections/{objection}", post(answer))
        .route("/admin/rounds/{id}/confirm", post(confirm))
        .route("/judge/{token}", get(card_login))
        .route("/rounds/{id}/judge", get(judge_page))
        .route("/rounds/{id}/sheets", post(submit_sheet))
        .route("/rounds/{id}/conflicts", post(declare_conflict))
        .route("/rounds/{id}/projector", get(projector))
        .route("/rounds/{id}/state", get(state_json))
        .route("/rounds/{id}/events", get(events))
        .route("/rounds/{id}/results", get(results))
        .route("/rounds/{id}/files/{file}", get(file))
        .route("/rounds/{id}/objections", post(object))
        .route("/projects", get(projects_page))
}

/// Beijing's date today: notice periods are counted in it.
fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn status_of(r: &rounds::Round) -> AppResult<RoundStatus> {
    RoundStatus::from_key(&r.status).ok_or(AppError::NotFound)
}

fn rules_of(r: &rounds::Round) -> AppResult<Rules> {
    Rules::from_toml(&r.rules).map_err(|_| AppError::Internal(format!("round {} rules", r.id)))
}

/// A round with the street it belongs to.
async fn load_round(state: &AppState, raw: &str) -> AppResult<(rounds::Round, i64)> {
    let r = rounds::get(&state.db, parse_id(raw)?).await?;
    let street = season::by_id(&state.db, r.season_id).await?.street_id;
    Ok((r, street))
}

/// A round the viewer hosts, or 404/403/login.
async fn hosted(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<(rounds::Round, i64)> {
    ctx.viewer()?;
    let (r, street) = load_round(state, raw).await?;
    ctx.require(Action::RunRound { street_id: street })?;
    Ok((r, street))
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

// ---------------------------------------------------------------------------------------------
// What a round's files are made of

/// Everything about a round that its files and pages are computed from.
struct RoundData {
    round: rounds::Round,
    status: RoundStatus,
    rules: Rules,
    /// In running order once drawn.
    proposals: Vec<(rounds::RoundProposal, proposals::Proposal)>,
    communities: HashMap<i64, String>,
    supports: HashMap<i64, i64>,
    judges: Vec<rounds::Judge>,
    recusals: Vec<rounds::Recusal>,
    sheets: Vec<rounds::Sheet>,
}

impl RoundData {
    /// The anonymous name a judge has in the published files: J01, J02… in the order judges
    /// were added.
    fn label(&self, account_id: i64) -> String {
        let i = self
            .judges
            .iter()
            .position(|j| j.account_id == account_id)
            .unwrap_or(0);
        format!("J{:02}", i + 1)
    }

    fn recused(&self, account_id: i64, proposal_id: i64) -> bool {
        self.recusals
            .iter()
            .any(|r| r.account_id == account_id && r.proposal_id == proposal_id)
    }

    fn sheet(&self, account_id: i64, proposal_id: i64) -> Option<&rounds::Sheet> {
        self.sheets
            .iter()
            .find(|s| s.account_id == account_id && s.proposal_id == proposal_id)
    }

    /// Judges expected to score the proposal, and how many have.
    fn progress(&self, proposal_id: i64) -> (usize, usize) {
        let expected = self
            .judges
            .iter()
            .filter(|j| !self.recused(j.account_id, proposal_id))
            .count();
        let done = self
            .sheets
            .iter()
            .filter(|s| s.proposal_id == proposal_id)
            .count();
        (done, expected)
    }

    fn position(&self, proposal_id: i64) -> Option<i32> {
        self.proposals
            .iter()
            .find(|(rp, _)| rp.proposal_id == proposal_id)
            .and_then(|(rp, _)| rp.position)
    }

    /// Whether the proposal has been called on stage: it is on stage, or came before.
    fn presented(&self, proposal_id: i64) -> bool {
        let Some(current) = self.round.presenting.and_then(|p| self.position(p)) else {
            return false;
        };
        self.position(proposal_id).is_some_and(|p| p <= current)
    }

    fn title(&self, proposal_id: i64) -> String {
        self.proposals
            .iter()
            .find(|(_, p)| p.id == proposal_id)
            .map(|(_, p)| p.title.clone())
            .unwrap_or_default()
    }

    fn community_of(&self, proposal_id: i64) -> String {
        self.proposals
            .iter()
            .find(|(_, p)| p.id == proposal_id)
            .and_then(|(_, p)| self.communities.get(&p.community_id).cloned())
            .unwrap_or_default()
    }

    /// The round's four input files, for the proposals in `only` (all when None).
    fn files(&self, only: Option<&HashSet<i64>>) -> AppResult<Files> {
        let keep = |p: i64| only.is_none_or(|o| o.contains(&p));
        let csv_err = |e: csv::Error| AppError::Internal(e.to_string());
        let finish = |w: csv::Writer<Vec<u8>>| {
            w.into_inner()
                .map_err(|e| AppError::Internal(e.to_string()))
                .and_then(|b| String::from_utf8(b).map_err(|e| AppError::Internal(e.to_string())))
        };
        // Text cells go through the spreadsheet guard; the judges' labels, the rules' keys (ASCII
        // identifiers that must match rules.toml) and the numbers are written as they are.
        let mut scores = csv::Writer::from_writer(Vec::new());
        scores
            .write_record(["proposal", "judge", "group", "criterion", "score", "source"])
            .map_err(csv_err)?;
        for s in self.sheets.iter().filter(|s| keep(s.proposal_id)) {
            let group = self
                .judges
                .iter()
                .find(|j| j.account_id == s.account_id)
                .map(|j| j.group_key.clone())
                .unwrap_or_default();
            let sheet: BTreeMap<String, Decimal> = serde_json::from_str(&s.scores)
                .map_err(|e| AppError::Internal(format!("sheet {}: {e}", s.id)))?;
            // Which sheets staff typed in from paper; the engine reads past the column.
            let source = SheetSource::of_paper(s.paper).key();
            // In the rubric's order, so the file reads like the paper sheet.
            for c in self.rules.criteria() {
                if let Some(score) = sheet.get(&c.key) {
                    scores
                        .write_record([
                            s.proposal_id.to_string(),
                            self.label(s.account_id),
                            group.clone(),
                            c.key.clone(),
                            score.normalize().to_string(),
                            source.to_owned(),
                        ])
                        .map_err(csv_err)?;
                }
            }
        }
        let mut proposals = csv::Writer::from_writer(Vec::new());
        proposals
            .write_record(["proposal", "community", "cost", "supports"])
            .map_err(csv_err)?;
        for (_, p) in self.proposals.iter().filter(|(_, p)| keep(p.id)) {
            proposals
                .write_record([
                    p.id.to_string(),
                    community_cell(
                        self.communities
                            .get(&p.community_id)
                            .map(String::as_str)
                            .unwrap_or_default(),
                    ),
                    p.budget_total.clone(),
                    self.supports.get(&p.id).copied().unwrap_or(0).to_string(),
                ])
                .map_err(csv_err)?;
        }
        let mut recusals = csv::Writer::from_writer(Vec::new());
        recusals
            .write_record(["judge", "proposal"])
            .map_err(csv_err)?;
        for r in self.recusals.iter().filter(|r| keep(r.proposal_id)) {
            if self.judges.iter().any(|j| j.account_id == r.account_id) {
                recusals
                    .write_record([self.label(r.account_id), r.proposal_id.to_string()])
                    .map_err(csv_err)?;
            }
        }
        Ok(Files {
            rules: self.round.rules.clone(),
            scores: finish(scores)?,
            proposals: finish(proposals)?,
            recusals: finish(recusals)?,
        })
    }

    /// The engine's decision on the files (all proposals, or those in `only`).
    fn decide(&self, only: Option<&HashSet<i64>>) -> AppResult<Result<Outcome, String>> {
        let f = self.files(only)?;
        Ok(competition::decide(&Sources {
            rules: &f.rules,
            scores: &f.scores,
            proposals: &f.proposals,
            recusals: Some(&f.recusals),
        })
        .map_err(|problems| {
            problems
                .iter()
                .map(|p| p.message(Lang::Zh))
                .collect::<Vec<_>>()
                .join("\n")
        }))
    }
}

/// A community's name as a cell of proposals.csv: guarded like every text cell, and still one
/// name per community, because the engine counts the per-community cap by this text. The guard
/// turns `=X` into `'=X`, so a name that already starts with an apostrophe gets one more:
/// `'=X` becomes `''=X` and the two communities stay two.
fn community_cell(name: &str) -> String {
    if name.starts_with('\'') {
        format!("'{name}")
    } else {
        spreadsheet_text(name)
    }
}

struct Files {
    rules: String,
    scores: String,
    proposals: String,
    recusals: String,
}

async fn round_data(state: &AppState, round: rounds::Round) -> AppResult<RoundData> {
    let status = status_of(&round)?;
    let rules = rules_of(&round)?;
    let street = season::by_id(&state.db, round.season_id).await?.street_id;
    let communities = org::communities(&state.db, street)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    // A fixed number of queries however many proposals: this runs on every sheet submitted.
    let in_round = rounds::proposals(&state.db, round.id).await?;
    let ids: Vec<i64> = in_round.iter().map(|rp| rp.proposal_id).collect();
    let mut by_id: HashMap<i64, proposals::Proposal> = proposals::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let supports = rounds::supports_of(&state.db, &ids).await?;
    let list = in_round
        .into_iter()
        .map(|rp| {
            let p = by_id.remove(&rp.proposal_id).ok_or(AppError::NotFound)?;
            Ok((rp, p))
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(RoundData {
        judges: rounds::judges(&state.db, round.id).await?,
        recusals: rounds::recusals(&state.db, round.id).await?,
        sheets: rounds::sheets(&state.db, round.id).await?,
        round,
        status,
        rules,
        proposals: list,
        communities,
        supports,
    })
}

// ---------------------------------------------------------------------------------------------
// Setting up

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

pub struct ObjectionRow {
    pub id: i64,
    pub body: String,
    pub answer: Option<String>,
    pub when: String,
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

async fn admin_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let (r, _) = hosted(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let d = round_data(&state, r).await?;
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
        id: d.round.id,
        name: d.round.name.clone(),
        status: t.t(&format!("round-status-{}", d.status.key())),
        setup: d.status == RoundStatus::Setup,
        open: d.status == RoundStatus::Open,
        closed: d.status == RoundStatus::Closed,
        published: d.status == RoundStatus::Published,
        confirmed: d.status == RoundStatus::Confirmed,
        drawn: d.round.drawn,
        seed: d.round.seed.clone(),
        rules: d.round.rules.clone(),
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
            .map(|(rp, p)| {
                let (done, expected) = d.progress(p.id);
                OrderRow {
                    proposal_id: p.id,
                    position: rp.position,
                    title: p.title.clone(),
                    community: d
                        .communities
                        .get(&p.community_id)
                        .cloned()
                        .unwrap_or_default(),
                    done,
                    expected,
                    presenting: d.round.presenting == Some(p.id),
                }
            })
            .collect(),
        judges: d
            .judges
            .iter()
            .map(|j| JudgeRow {
                account_id: j.account_id,
                name: name(j.account_id),
                group: j.group_key.clone(),
                card: !phones.contains(&j.account_id),
                paper: j.paper,
            })
            .collect(),
        paper_judges: d.judges.iter().filter(|j| j.paper).count(),
        recusals: d
            .recusals
            .iter()
            .map(|r| RecusalRow {
                judge: name(r.account_id),
                title: d.title(r.proposal_id),
                reason: t.t(&format!("recusal-{}", r.reason)),
            })
            .collect(),
        objections: rounds::objections(&state.db, d.round.id)
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
            .round
            .notice_starts
            .zip(d.round.notice_ends)
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
    let (r, street) = hosted(&state, &ctx, &id).await?;
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
            street,
            ctx.viewer()?.account_id,
            &text,
            &seed,
        )
        .await,
        "rules-saved",
        RoundError::NotSetup,
    )
}

/// A one-time login token for a card: the token for the QR, its hash for the database.
fn card_token() -> (String, String) {
    let token = sessions::new_token();
    let hash = sessions::digest_hex(&token);
    (token, hash)
}

/// Adds a judge: an account found by phone number, or a new judge account created on the spot
/// by name (who then logs in with a printed card). Whether the judge scores on paper is a
/// separate choice: a judge with a card may still score on a phone.
async fn add_judge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (r, street) = hosted(&state, &ctx, &id).await?;
    if status_of(&r)? != RoundStatus::Setup {
        return Ok(back(r.id, RoundError::NotSetup.message_id()));
    }
    let parsed = rules_of(&r)?;
    let group = field(&form, "group");
    let Some(g) = parsed.groups().iter().find(|g| g.key == group) else {
        return Ok(back(r.id, RoundError::UnknownGroup.message_id()));
    };
    // The first group is the public one by the default rules' convention; any group named
    // "public" is.
    let public = g.key == "public";
    let phone = field(&form, "phone").trim();
    let name = field(&form, "name").trim();
    let (account, new_name, hash) = if !phone.is_empty() {
        let found = match Phone::parse(phone) {
            Ok(p) => accounts::by_phone(&state.db, &p).await?,
            Err(_) => None,
        };
        match found {
            Some(a) => (Some(a.id), None, None),
            None => return Ok(back(r.id, "err-round-judge-account")),
        }
    } else {
        match chuangxiang_domain::account::DisplayName::parse(name) {
            Ok(n) => (None, Some(n.as_str().to_owned()), Some(card_token().1)),
            Err(_) => return Ok(back(r.id, "err-round-judge-account")),
        }
    };
    let source = SheetSource::of_paper(!field(&form, "paper").is_empty());
    answered(
        &state,
        r.id,
        rounds::add_judge_scoring_by(
            &state.db,
            r.id,
            street,
            ctx.viewer()?.account_id,
            rounds::NewJudge {
                account_id: account,
                new_name: new_name.as_deref(),
                group,
                public,
                token_hash: hash,
            },
            source,
        )
        .await,
        "judge-added",
        RoundError::AlreadyJudge,
    )
}

pub struct Card {
    pub name: String,
    pub group: String,
    pub qr: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "rounds/cards.html")]
struct CardsPage {
    t: Tr,
    round: String,
    cards: Vec<Card>,
}

/// Prints login cards for the judges without a phone number. Each card carries a fresh
/// one-time token: printing again makes the earlier cards useless.
async fn cards(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let (r, _) = hosted(&state, &ctx, &id).await?;
    let origin = crate::pages::site_origin(&state.settings, &headers);
    let mut out = Vec::new();
    let judges = rounds::judges(&state.db, r.id).await?;
    let ids: Vec<i64> = judges.iter().map(|j| j.account_id).collect();
    let known = accounts::by_ids(&state.db, &ids).await?;
    for j in judges {
        let Some(account) = known.iter().find(|a| a.id == j.account_id).cloned() else {
            continue;
        };
        if account.phone.is_some() {
            continue;
        }
        let (token, hash) = card_token();
        rounds::renew_login_card(&state.db, r.id, j.account_id, &hash).await?;
        let url = format!("{origin}/judge/{token}");
        let qr = crate::pages::qr_image(&url, 200)?;
        out.push(Card {
            name: account.display_name,
            group: j.group_key,
            qr,
            url,
        });
    }
    let mut response = render(&CardsPage {
        t: ctx.tr(),
        round: r.name,
        cards: out,
    })?;
    // The tokens must not linger in a cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A judge scans their card: logged in once, and sent to their scoring page.
async fn card_login(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let judge = match rounds::use_login_card(&state.db, &sessions::digest_hex(&token)).await {
        Ok(j) => j,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    crate::routes::account::logged_in(
        &state,
        judge.account_id,
        &format!("/rounds/{}/judge", judge.round_id),
    )
    .await
}

async fn add_recusal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (r, street) = hosted(&state, &ctx, &id).await?;
    if status_of(&r)? != RoundStatus::Setup {
        return Ok(back(r.id, RoundError::NotSetup.message_id()));
    }
    let judge = parse_id(field(&form, "judge"))?;
    let proposal = parse_id(field(&form, "proposal"))?;
    let known_judge = rounds::judges(&state.db, r.id)
        .await?
        .iter()
        .any(|j| j.account_id == judge);
    let known_proposal = rounds::proposals(&state.db, r.id)
        .await?
        .iter()
        .any(|p| p.proposal_id == proposal);
    if !known_judge || !known_proposal {
        return Err(AppError::NotFound);
    }
    match rounds::add_recusal(
        &state.db,
        r.id,
        street,
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
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let ids: Vec<String> = rounds::proposals(&state.db, r.id)
        .await?
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
        rounds::draw(&state.db, r.id, street, ctx.viewer()?.account_id, &order).await,
        "drawn",
        RoundError::NotSetup,
    )
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

/// Whose sheet is being stored, and who types it.
struct SheetBy {
    judge: i64,
    entered_by: i64,
    paper: bool,
    /// Why staff type in a paper sheet for a judge who scores on a phone.
    reason: Option<String>,
}

/// Checks and stores one sheet; the rules' domain check first, then the store's conditional
/// insert, which is what stops a double or late submission that raced the check.
async fn store_sheet(
    state: &AppState,
    d: &RoundData,
    street: i64,
    proposal: i64,
    by: SheetBy,
    form: &Pairs,
) -> AppResult<Result<(), RoundError>> {
    let SheetBy {
        judge,
        entered_by,
        paper,
        reason,
    } = by;
    if !d.proposals.iter().any(|(_, p)| p.id == proposal) {
        return Err(AppError::NotFound);
    }
    if let Err(e) = rules::check_submission(
        d.status,
        d.presented(proposal),
        d.recused(judge, proposal),
        d.sheet(judge, proposal).is_some(),
    ) {
        return Ok(Err(e));
    }
    let sheet = match rules::check_sheet(&d.rules, |k| {
        form.iter()
            .find(|(name, _)| name.strip_prefix("c_") == Some(k))
            .map(|(_, v)| v.clone())
    }) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let json = serde_json::to_string(&sheet).map_err(|e| AppError::Internal(e.to_string()))?;
    let new = rounds::NewSheet {
        proposal_id: proposal,
        account_id: judge,
        scores_json: &json,
        entered_by,
        paper,
    };
    let stored = match &reason {
        Some(reason) => {
            rounds::submit_paper_sheet_for_phone_judge(&state.db, d.round.id, street, new, reason)
                .await
        }
        None => rounds::submit_sheet(&state.db, d.round.id, street, new).await,
    };
    match stored {
        Ok(()) => {
            state.live.changed(d.round.id);
            Ok(Ok(()))
        }
        Err(StoreError::Conflict) => {
            // Either the sheet was already in, or the round closed meanwhile.
            let now = rounds::get(&state.db, d.round.id).await?;
            Ok(Err(if now.status == RoundStatus::Open.key() {
                RoundError::AlreadySubmitted
            } else {
                RoundError::NotOpen
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// Staff type in a paper score sheet: freely for a judge who scores on paper, for any other
/// judge only with a reason, which the audit log keeps. It never replaces a submitted sheet.
async fn paper_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let d = round_data(&state, r).await?;
    let judge = parse_id(field(&form, "judge"))?;
    let Some(j) = d.judges.iter().find(|j| j.account_id == judge) else {
        return Err(AppError::NotFound);
    };
    let proposal = parse_id(field(&form, "proposal"))?;
    let reason =
        match rules::check_paper_entry(SheetSource::of_paper(j.paper), field(&form, "reason")) {
            Ok(reason) => reason,
            Err(e) => return Ok(back(d.round.id, e.message_id())),
        };
    let by = ctx.viewer()?.account_id;
    let sheet_by = SheetBy {
        judge,
        entered_by: by,
        paper: true,
        reason,
    };
    match store_sheet(&state, &d, street, proposal, sheet_by, &form).await? {
        Ok(()) => Ok(back(d.round.id, "paper-saved")),
        Err(e) => Ok(back(d.round.id, e.message_id())),
    }
}

/// The host reopens a judge's locked sheet, with a reason.
async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let judge = parse_id(field(&form, "judge"))?;
    let proposal = parse_id(field(&form, "proposal"))?;
    let reason = match rules::check_reason(field(&form, "reason")) {
        Ok(r) => r,
        Err(e) => return Ok(back(r.id, e.message_id())),
    };
    match rounds::reopen_sheet(
        &state.db,
        r.id,
        street,
        ctx.viewer()?.account_id,
        proposal,
        judge,
        &reason,
    )
    .await
    {
        Ok(()) => {
            state.live.changed(r.id);
            Ok(back(r.id, "reopened"))
        }
        Err(StoreError::Conflict) => Ok(back(r.id, RoundError::NotOpen.message_id())),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
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

async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let date = |k: &str| NaiveDate::parse_from_str(field(&form, k).trim(), "%Y-%m-%d").ok();
    let (starts, ends) =
        match rules::check_notice(status_of(&r)?, today(), date("starts"), date("ends")) {
            Ok(d) => d,
            Err(e) => return Ok(back(r.id, e.message_id())),
        };
    answered(
        &state,
        r.id,
        rounds::publish(
            &state.db,
            r.id,
            street,
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
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let objection = parse_id(&objection)?;
    let text = match rules::check_reason(field(&form, "answer")) {
        Ok(t) => t,
        Err(e) => return Ok(back(r.id, e.message_id())),
    };
    match rounds::answer(
        &state.db,
        r.id,
        street,
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
    let (r, street) = hosted(&state, &ctx, &id).await?;
    let notice = r.notice_starts.zip(r.notice_ends);
    if let Err(e) = rules::check_confirm(status_of(&r)?, today(), notice) {
        return Ok(back(r.id, e.message_id()));
    }
    let d = round_data(&state, r).await?;
    let outcome = d.decide(None)?.map_err(AppError::Internal)?;
    let mut winners = Vec::new();
    for w in outcome.winners() {
        let pid: i64 = w.proposal.parse().map_err(|_| AppError::NotFound)?;
        let (_, p) = d
            .proposals
            .iter()
            .find(|(_, p)| p.id == pid)
            .ok_or(AppError::NotFound)?;
        winners.push(rounds::Funded {
            proposal_id: p.id,
            community_id: p.community_id,
            title: p.title.clone(),
            budget: p.budget_total.clone(),
        });
    }
    answered(
        &state,
        d.round.id,
        rounds::confirm(
            &state.db,
            d.round.id,
            street,
            ctx.viewer()?.account_id,
            &winners,
        )
        .await,
        "confirmed",
        RoundError::NotClosed,
    )
}

// ---------------------------------------------------------------------------------------------
// Judges

pub struct CriterionControl {
    pub key: String,
    pub label: String,
    pub max: String,
    pub values: Vec<String>,
}

pub struct SheetRow {
    pub proposal_id: i64,
    pub title: String,
    pub state: String,
    pub can_score: bool,
    pub can_declare: bool,
}

#[derive(Template)]
#[template(path = "rounds/judge.html")]
struct JudgePage {
    l: Layout,
    id: i64,
    name: String,
    status: String,
    current: Option<(i64, String, String)>,
    current_state: String,
    can_score_current: bool,
    controls: Vec<CriterionControl>,
    rows: Vec<SheetRow>,
    notice: Option<String>,
}

/// A judge's own round, or 404/403/login.
async fn judged(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<(RoundData, i64, i64)> {
    let (r, street) = load_round(state, raw).await?;
    let viewer = ctx.viewer()?.account_id;
    let d = round_data(state, r).await?;
    ctx.require(Action::JudgeRound {
        is_judge: d.judges.iter().any(|j| j.account_id == viewer),
    })?;
    Ok((d, street, viewer))
}

fn criterion_label(t: Tr, key: &str) -> String {
    let id = format!("criterion-{key}");
    let text = t.t(&id);
    if text == id { key.to_owned() } else { text }
}

/// The judge's phone: the proposal on stage with one large control per criterion, and every
/// proposal called so far with the state of the judge's sheet for it.
async fn judge_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let (d, _, me) = judged(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let state_of = |p: i64| -> (String, bool) {
        if d.recused(me, p) {
            (t.t("judge-state-recused"), false)
        } else if d.sheet(me, p).is_some() {
            (t.t("judge-state-submitted"), false)
        } else if d.status == RoundStatus::Open && d.presented(p) {
            (t.t("judge-state-to-score"), true)
        } else {
            (t.t("judge-state-waiting"), false)
        }
    };
    let current = d
        .round
        .presenting
        .map(|p| (p, d.title(p), d.community_of(p)));
    let (current_state, can_score_current) = match d.round.presenting {
        Some(p) => state_of(p),
        None => (t.t("judge-state-waiting"), false),
    };
    render(&JudgePage {
        l: Layout::new(&ctx),
        id: d.round.id,
        name: d.round.name.clone(),
        status: t.t(&format!("round-status-{}", d.status.key())),
        controls: d
            .rules
            .criteria()
            .iter()
            .map(|c| CriterionControl {
                label: criterion_label(t, &c.key),
                key: c.key.clone(),
                max: c.max.normalize().to_string(),
                values: rules::steps_of(&d.rules, c.max)
                    .into_iter()
                    .map(|v| v.to_string())
                    .collect(),
            })
            .collect(),
        rows: d
            .proposals
            .iter()
            .map(|(_, p)| {
                let (label, can_score) = state_of(p.id);
                SheetRow {
                    proposal_id: p.id,
                    title: p.title.clone(),
                    state: label,
                    can_score: can_score && d.round.presenting != Some(p.id),
                    can_declare: !d.recused(me, p.id)
                        && d.sheet(me, p.id).is_none()
                        && matches!(d.status, RoundStatus::Setup | RoundStatus::Open),
                }
            })
            .collect(),
        current,
        current_state,
        can_score_current,
        notice: notice_text(t, q.notice.as_deref()),
    })
}

fn to_judge(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("/rounds/{id}/judge?notice={notice}")).into_response()
}

async fn submit_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (d, street, me) = judged(&state, &ctx, &id).await?;
    let proposal = parse_id(field(&form, "proposal"))?;
    Ok(
        match store_sheet(
            &state,
            &d,
            street,
            proposal,
            SheetBy {
                judge: me,
                entered_by: me,
                paper: false,
                reason: None,
            },
            &form,
        )
        .await?
        {
            Ok(()) => to_judge(d.round.id, "sheet-saved"),
            Err(e) => to_judge(d.round.id, e.message_id()),
        },
    )
}

/// A judge declares a conflict of interest with a proposal they have not scored.
async fn declare_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (d, street, me) = judged(&state, &ctx, &id).await?;
    let proposal = parse_id(field(&form, "proposal"))?;
    if !d.proposals.iter().any(|(_, p)| p.id == proposal) {
        return Err(AppError::NotFound);
    }
    if d.sheet(me, proposal).is_some()
        || !matches!(d.status, RoundStatus::Setup | RoundStatus::Open)
    {
        return Ok(to_judge(d.round.id, "err-round-conflict-late"));
    }
    match rounds::add_recusal(
        &state.db,
        d.round.id,
        street,
        me,
        me,
        proposal,
        RecusalReason::Declared,
    )
    .await
    {
        Ok(()) | Err(StoreError::Conflict) => {
            state.live.changed(d.round.id);
            Ok(to_judge(d.round.id, "recusal-added"))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The projector and its live feed

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

// ---------------------------------------------------------------------------------------------
// Results, files, objections, projects

pub struct GroupCell {
    pub totals: Vec<(String, String, bool)>,
    pub aggregate: String,
}

pub struct ResultRow {
    pub rank: String,
    pub id: String,
    pub title: String,
    pub community: String,
    pub cost: String,
    pub groups: Vec<GroupCell>,
    pub final_score: String,
    pub selected: bool,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "rounds/results.html")]
struct ResultsPage {
    l: Layout,
    id: i64,
    name: String,
    status: String,
    seed: String,
    groups: Vec<(String, String)>,
    rows: Vec<ResultRow>,
    agreement: Vec<(String, String, usize, usize)>,
    notice: Option<String>,
    objections: Vec<ObjectionRow>,
    can_object: bool,
    files: [&'static str; 5],
    /// How many of the sheets staff typed in from paper.
    paper_sheets: String,
    message: Option<String>,
}

/// A round whose result the viewer may read: public once published, before that the street
/// admin's once closed.
async fn readable(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<(rounds::Round, i64)> {
    let (r, street) = load_round(state, raw).await?;
    let status = status_of(&r)?;
    ctx.require(Action::ReadRoundResult {
        street_id: street,
        published: status.is_public(),
    })?;
    if status < RoundStatus::Closed {
        return Err(AppError::NotFound);
    }
    Ok((r, street))
}

const FILES: [&str; 5] = [
    "rules.toml",
    "scores.csv",
    "proposals.csv",
    "recusals.csv",
    "results.csv",
];

async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let (r, _) = readable(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let lang = if t.0.is_en() { Lang::En } else { Lang::Zh };
    let d = round_data(&state, r).await?;
    let outcome = d.decide(None)?.map_err(AppError::Internal)?;
    let rows = outcome
        .proposals
        .iter()
        .map(|p| {
            let id: i64 = p.proposal.parse().unwrap_or(0);
            ResultRow {
                rank: p.rank.map(|r| r.to_string()).unwrap_or_default(),
                id: p.proposal.clone(),
                title: d.title(id),
                // The community's own name: the files carry it guarded for spreadsheets.
                community: d.community_of(id),
                cost: chuangxiang_domain::proposals::yuan(p.cost),
                groups: p
                    .groups
                    .iter()
                    .map(|g| GroupCell {
                        totals: g
                            .totals
                            .iter()
                            .enumerate()
                            .map(|(i, jt)| {
                                (
                                    t.t1("judge-anonymous", "number", i + 1),
                                    jt.total.normalize().to_string(),
                                    jt.dropped,
                                )
                            })
                            .collect(),
                        aggregate: g
                            .aggregate
                            .as_ref()
                            .map(|a| a.for_page())
                            .unwrap_or_default(),
                    })
                    .collect(),
                final_score: p
                    .final_score
                    .as_ref()
                    .map(|f| f.for_page())
                    .unwrap_or_default(),
                selected: p.selected,
                reason: p
                    .reason
                    .as_ref()
                    .map(|r| r.message(lang))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let status = d.status;
    let notice = d.round.notice_starts.zip(d.round.notice_ends);
    render(&ResultsPage {
        l: Layout::new(&ctx),
        id: d.round.id,
        name: d.round.name.clone(),
        status: t.t(&format!("round-status-{}", status.key())),
        seed: d.round.seed.clone(),
        groups: outcome
            .groups
            .iter()
            .map(|g| (g.key.clone(), g.weight.normalize().to_string()))
            .collect(),
        rows,
        agreement: outcome
            .agreement
            .iter()
            .map(|a| {
                (
                    a.group.clone(),
                    a.w.as_ref()
                        .map(|w| w.for_page())
                        .unwrap_or_else(|| "—".to_owned()),
                    a.judges,
                    a.proposals,
                )
            })
            .collect(),
        notice: notice.map(|(s, e)| format!("{s} – {e}")),
        objections: rounds::objections(&state.db, d.round.id)
            .await?
            .into_iter()
            .map(|o| ObjectionRow {
                id: o.id,
                body: o.body,
                answer: o.answer,
                when: beijing_time(o.created_at),
            })
            .collect(),
        can_object: ctx.viewer.is_some() && rules::check_objection(status, today(), notice).is_ok(),
        files: FILES,
        paper_sheets: crate::i18n::text_with(
            t.0,
            "results-paper-sheets",
            &[
                (
                    "count",
                    d.sheets.iter().filter(|s| s.paper).count().to_string(),
                ),
                ("total", d.sheets.len().to_string()),
            ],
        ),
        message: notice_text(t, q.notice.as_deref()),
    })
}

/// One of the round's files, to recompute the result with `chuangxiang compute competition`.
async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, name)): Path<(String, String)>,
) -> AppResult<Response> {
    let (r, _) = readable(&state, &ctx, &id).await?;
    if !FILES.contains(&name.as_str()) {
        return Err(AppError::NotFound);
    }
    let d = round_data(&state, r).await?;
    let f = d.files(None)?;
    let body = match name.as_str() {
        "rules.toml" => f.rules,
        "scores.csv" => f.scores,
        "proposals.csv" => f.proposals,
        "recusals.csv" => f.recusals,
        _ => d.round.results.clone().unwrap_or_default(),
    };
    let mut response = body.into_response();
    let kind = if name.ends_with(".toml") {
        "application/toml; charset=utf-8"
    } else {
        "text/csv; charset=utf-8"
    };
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"round-{}-{name}\"",
        d.round.id
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// A resident files an objection during the notice period.
async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    ctx.require(Action::FileObjection)?;
    let (r, street) = readable(&state, &ctx, &id).await?;
    let to = |notice: &str| {
        Redirect::to(&format!(
            "/rounds/{}/results?notice={notice}#objections",
            r.id
        ))
        .into_response()
    };
    let notice = r.notice_starts.zip(r.notice_ends);
    if let Err(e) = rules::check_objection(status_of(&r)?, today(), notice) {
        return Ok(to(e.message_id()));
    }
    let body = match rules::check_reason(field(&form, "body")) {
        Ok(b) => b,
        Err(e) => return Ok(to(e.message_id())),
    };
    let me = ctx.viewer()?.account_id;
    match rounds::object(&state.db, r.id, street, me, &body).await {
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
