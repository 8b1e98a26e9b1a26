//! Scoring: the judge's phone, their sheets and declared conflicts, and the sheets staff type
//! in from paper or reopen.

use super::{NoticeQuery, back, hosted, load, notice_text};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Layout, Pairs, field, parse_id, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::rounds::{
    self as rules, JudgeSheet, RecusalReason, Round, RoundError, RoundStatus,
};
use chuangxiang_store::{StoreError, rounds};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/rounds/{id}/paper", post(paper_sheet))
        .route("/admin/rounds/{id}/reopen", post(reopen))
        .route("/rounds/{id}/judge", get(judge_page))
        .route("/rounds/{id}/sheets", post(submit_sheet))
        .route("/rounds/{id}/conflicts", post(declare_conflict))
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
    d: &Round,
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
    if d.proposal(proposal).is_none() {
        return Err(AppError::NotFound);
    }
    if let Err(e) = d.may_submit(judge, proposal) {
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
            rounds::submit_paper_sheet_for_phone_judge(&state.db, d.id, d.street_id, new, reason)
                .await
        }
        None => rounds::submit_sheet(&state.db, d.id, d.street_id, new).await,
    };
    match stored {
        Ok(()) => {
            state.live.changed(d.id);
            Ok(Ok(()))
        }
        Err(StoreError::Conflict) => {
            // Either the sheet was already in, or the round closed meanwhile.
            let now = rounds::get(&state.db, d.id).await?;
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
    let d = hosted(&state, &ctx, &id).await?;
    let judge = parse_id(field(&form, "judge"))?;
    let Some(j) = d.judge(judge) else {
        return Err(AppError::NotFound);
    };
    let proposal = parse_id(field(&form, "proposal"))?;
    let reason = match rules::check_paper_entry(j.source, field(&form, "reason")) {
        Ok(reason) => reason,
        Err(e) => return Ok(back(d.id, e.message_id())),
    };
    let by = ctx.viewer()?.account_id;
    let sheet_by = SheetBy {
        judge,
        entered_by: by,
        paper: true,
        reason,
    };
    match store_sheet(&state, &d, proposal, sheet_by, &form).await? {
        Ok(()) => Ok(back(d.id, "paper-saved")),
        Err(e) => Ok(back(d.id, e.message_id())),
    }
}

/// The host reopens a judge's locked sheet, with a reason.
async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    let judge = parse_id(field(&form, "judge"))?;
    let proposal = parse_id(field(&form, "proposal"))?;
    let reason = match rules::check_reason(field(&form, "reason")) {
        Ok(r) => r,
        Err(e) => return Ok(back(r.id, e.message_id())),
    };
    match rounds::reopen_sheet(
        &state.db,
        r.id,
        r.street_id,
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
async fn judged(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<(Round, i64)> {
    let d = load(state, raw).await?;
    let viewer = ctx.viewer()?.account_id;
    ctx.require(Action::JudgeRound {
        is_judge: d.judge(viewer).is_some(),
    })?;
    Ok((d, viewer))
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
    let (d, me) = judged(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let state_of = |p: i64| -> (String, bool) {
        let sheet = d.judge_sheet(me, p);
        (t.t(sheet.message_id()), sheet == JudgeSheet::ToScore)
    };
    let current = d
        .presenting
        .map(|p| (p, d.title_of(p).to_owned(), d.community_of(p).to_owned()));
    let (current_state, can_score_current) = match d.presenting {
        Some(p) => state_of(p),
        None => (t.t(JudgeSheet::Waiting.message_id()), false),
    };
    render(&JudgePage {
        l: Layout::new(&ctx),
        id: d.id,
        name: d.name.clone(),
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
            .map(|p| {
                let (label, can_score) = state_of(p.proposal_id);
                SheetRow {
                    proposal_id: p.proposal_id,
                    title: p.title.clone(),
                    state: label,
                    can_score: can_score && d.presenting != Some(p.proposal_id),
                    can_declare: !d.is_recused(me, p.proposal_id)
                        && d.may_declare_conflict(me, p.proposal_id),
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
    let (d, me) = judged(&state, &ctx, &id).await?;
    let proposal = parse_id(field(&form, "proposal"))?;
    Ok(
        match store_sheet(
            &state,
            &d,
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
            Ok(()) => to_judge(d.id, "sheet-saved"),
            Err(e) => to_judge(d.id, e.message_id()),
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
    let (d, me) = judged(&state, &ctx, &id).await?;
    let proposal = parse_id(field(&form, "proposal"))?;
    if d.proposal(proposal).is_none() {
        return Err(AppError::NotFound);
    }
    if !d.may_declare_conflict(me, proposal) {
        return Ok(to_judge(d.id, "err-round-conflict-late"));
    }
    match rounds::add_recusal(
        &state.db,
        d.id,
        d.street_id,
        me,
        me,
        proposal,
        RecusalReason::Declared,
    )
    .await
    {
        Ok(()) | Err(StoreError::Conflict) => {
            state.live.changed(d.id);
            Ok(to_judge(d.id, "recusal-added"))
        }
        Err(e) => Err(e.into()),
    }
}
