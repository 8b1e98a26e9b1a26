//! The season's settings (step 2, preparation): the categories ideas are filed under, the cap
//! on one proposal's budget, and which social organisation coaches which community.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Layout, render};
use crate::routes::admin::admin_street;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chuangxiang_domain::ideas as idea_rules;
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::proposals::{parse_cap, yuan};
use chuangxiang_store::{StoreError, ideas, org, proposals, season};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/season/settings", get(settings))
        .route("/admin/season/cap", post(set_cap))
        .route("/admin/season/categories", post(save_category))
        .route("/admin/season/coaching", post(set_coaching))
}

pub struct CategoryRow {
    pub id: i64,
    pub name: String,
}

pub struct CoachRow {
    pub community_id: i64,
    pub community: String,
    pub chosen: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    l: Layout,
    season: String,
    cap: String,
    categories: Vec<CategoryRow>,
    organisations: Vec<(i64, String)>,
    coaching: Vec<CoachRow>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct SettingsQuery {
    saved: Option<String>,
}

/// The street admin's season, after asking the policy.
async fn steered_season(state: &AppState, ctx: &Ctx) -> AppResult<(org::Street, season::Season)> {
    let street = admin_street(state, ctx).await?;
    ctx.require(Action::SteerSeason {
        street_id: street.id,
    })?;
    let s = season::current(&state.db, street.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((street, s))
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<Response> {
    let (street, s) = steered_season(state, ctx).await?;
    let assigned: HashMap<i64, i64> = proposals::coaching(&state.db, s.id)
        .await?
        .into_iter()
        .map(|c| (c.community_id, c.organisation_id))
        .collect();
    let failed = error.is_some();
    let mut r = render(&SettingsPage {
        l: Layout::new(ctx),
        season: s.title.clone(),
        cap: s.budget_cap.clone().unwrap_or_default(),
        categories: ideas::categories(&state.db, s.id)
            .await?
            .into_iter()
            .map(|c| CategoryRow {
                id: c.id,
                name: c.name,
            })
            .collect(),
        organisations: org::organisations(&state.db, street.id)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect(),
        coaching: org::communities(&state.db, street.id)
            .await?
            .into_iter()
            .map(|c| CoachRow {
                chosen: assigned.get(&c.id).copied(),
                community_id: c.id,
                community: c.name,
            })
            .collect(),
        error,
        notice,
    })?;
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SettingsQuery>,
) -> AppResult<Response> {
    let notice = q.saved.is_some().then(|| ctx.tr().t("settings-saved"));
    page(&state, &ctx, None, notice).await
}

fn saved() -> Response {
    Redirect::to("/admin/season/settings?saved=1").into_response()
}

#[derive(Deserialize)]
struct CapForm {
    #[serde(default)]
    cap: String,
}

/// Sets the cap on one proposal's budget; an empty field lifts it.
async fn set_cap(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CapForm>,
) -> AppResult<Response> {
    let (street, s) = steered_season(&state, &ctx).await?;
    let cap = if form.cap.trim().is_empty() {
        None
    } else {
        match parse_cap(&form.cap) {
            Some(c) => Some(yuan(c)),
            None => {
                let message = ctx.tr().t("err-settings-cap");
                return page(&state, &ctx, Some(message), None).await;
            }
        }
    };
    season::set_budget_cap(&state.db, s.id, street.id, ctx.viewer()?.account_id, cap).await?;
    Ok(saved())
}

#[derive(Deserialize)]
struct CategoryForm {
    /// Empty to add a category, or the id of the one renamed.
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
}

/// Renames a category or adds one.
async fn save_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CategoryForm>,
) -> AppResult<Response> {
    let (street, s) = steered_season(&state, &ctx).await?;
    let t = ctx.tr();
    let id = match form.id.trim() {
        "" => None,
        raw => Some(crate::pages::parse_id(raw)?),
    };
    let name = match idea_rules::category_name(&form.name) {
        Ok(n) => n,
        Err(e) => return page(&state, &ctx, Some(t.t(e.message_id())), None).await,
    };
    match ideas::save_category(
        &state.db,
        s.id,
        street.id,
        ctx.viewer()?.account_id,
        id,
        &name,
    )
    .await
    {
        Ok(()) => Ok(saved()),
        Err(StoreError::Conflict) => {
            page(&state, &ctx, Some(t.t("err-settings-category-taken")), None).await
        }
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Which organisation coaches each community: one select per community, named
/// `community_<id>`, whose value is an organisation's id or empty for none.
async fn set_coaching(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let (street, s) = steered_season(&state, &ctx).await?;
    let organisations: Vec<i64> = org::organisations(&state.db, street.id)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let mut assignments = Vec::new();
    for community in org::communities(&state.db, street.id).await? {
        let Some(raw) = form.get(&format!("community_{}", community.id)) else {
            continue;
        };
        if raw.trim().is_empty() {
            continue;
        }
        match raw.trim().parse::<i64>() {
            Ok(o) if organisations.contains(&o) => assignments.push((community.id, o)),
            _ => {
                let message = ctx.tr().t("err-settings-coach");
                return page(&state, &ctx, Some(message), None).await;
            }
        }
    }
    proposals::set_coaching(
        &state.db,
        s.id,
        street.id,
        ctx.viewer()?.account_id,
        &assignments,
    )
    .await?;
    Ok(saved())
}
