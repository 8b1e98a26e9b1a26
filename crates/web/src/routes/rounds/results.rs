//! A closed round's result page and its files, which recompute to the same digits.

use super::{NoticeQuery, ObjectionRow, files_of, notice_text, outcome_of, readable, today};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Layout, beijing_time, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chuangxiang_domain::competition::Lang;
use chuangxiang_domain::rounds::{self as rules, SheetSource};
use chuangxiang_store::rounds;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/rounds/{id}/results", get(results))
        .route("/rounds/{id}/files/{file}", get(file))
}

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
    let d = readable(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let lang = if t.0.is_en() { Lang::En } else { Lang::Zh };
    let outcome = outcome_of(&d)?;
    let rows = outcome
        .proposals
        .iter()
        .map(|p| {
            let id: i64 = p.proposal.parse().unwrap_or(0);
            ResultRow {
                rank: p.rank.map(|r| r.to_string()).unwrap_or_default(),
                id: p.proposal.clone(),
                title: d.title_of(id).to_owned(),
                // The community's own name: the files carry it guarded for spreadsheets.
                community: d.community_of(id).to_owned(),
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
    let notice = d.notice;
    render(&ResultsPage {
        l: Layout::new(&ctx),
        id: d.id,
        name: d.name.clone(),
        status: t.t(&format!("round-status-{}", status.key())),
        seed: d.seed.clone(),
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
        can_object: ctx.viewer.is_some() && rules::check_objection(status, today(), notice).is_ok(),
        files: FILES,
        paper_sheets: crate::i18n::text_with(
            t.0,
            "results-paper-sheets",
            &[
                (
                    "count",
                    d.sheets
                        .iter()
                        .filter(|s| s.source == SheetSource::Paper)
                        .count()
                        .to_string(),
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
    let d = readable(&state, &ctx, &id).await?;
    if !FILES.contains(&name.as_str()) {
        return Err(AppError::NotFound);
    }
    let f = files_of(&d)?;
    let body = match name.as_str() {
        "rules.toml" => f.rules,
        "scores.csv" => f.scores,
        "proposals.csv" => f.proposals,
        "recusals.csv" => f.recusals,
        _ => d.results.clone().unwrap_or_default(),
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
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"round-{}-{name}\"", d.id))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
