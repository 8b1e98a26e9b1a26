//! Starting a proposal from one or more accepted ideas of one community.

use super::{problem_text, unprocessable};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Layout, Pairs, all_of, field, render};
use crate::routes::ideas::{Choice, current_season};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chuangxiang_domain::ideas::Status as IdeaStatus;
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::proposals::{self as rules, Content, DraftInput, ProposalError};
use chuangxiang_domain::season::Step;
use chuangxiang_store::{ideas, org, proposals};
use serde::Deserialize;
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals", post(create))
        .route("/proposals/new", get(new_form))
}

pub struct IdeaChoice {
    pub id: i64,
    pub title: String,
    pub community: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "proposals/new.html")]
struct NewPage {
    l: Layout,
    drafting: bool,
    ideas: Vec<IdeaChoice>,
    categories: Vec<Choice>,
    title: String,
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct NewQuery {
    idea: Option<String>,
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    chosen: &[i64],
    title: &str,
    category: Option<i64>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let viewer = ctx.viewer()?;
    let (street, s) = current_season(state).await?;
    let communities: HashMap<i64, String> = org::communities(&state.db, street.id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    // The ideas on offer: those ticked, and the accepted ideas of the community they are in
    // (or the viewer's own community), most supported first.
    let mut community = None;
    let mut shown = Vec::new();
    for id in chosen {
        if let Ok(i) = ideas::get(&state.db, *id).await
            && i.season_id == s.id
        {
            community = community.or(Some(i.community_id));
            shown.push(i);
        }
    }
    let community = community.or(viewer.community_id);
    let (more, _) = ideas::wall(
        &state.db,
        &ideas::WallQuery {
            season_id: s.id,
            community_id: community,
            statuses: vec![IdeaStatus::Accepted],
            sort: chuangxiang_domain::ideas::Sort::MostSupported,
            ..ideas::WallQuery::default()
        },
    )
    .await?;
    for i in more {
        if !shown.iter().any(|x| x.id == i.id) {
            shown.push(i);
        }
    }
    let category = category.or(shown.first().map(|i| i.category_id));
    let failed = !errors.is_empty();
    let r = render(&NewPage {
        l: Layout::new(ctx),
        drafting: s.current_step == Step::ProposalDrafting.number(),
        ideas: shown
            .into_iter()
            .map(|i| IdeaChoice {
                checked: chosen.contains(&i.id),
                community: communities
                    .get(&i.community_id)
                    .cloned()
                    .unwrap_or_default(),
                id: i.id,
                title: i.title,
            })
            .collect(),
        categories: ideas::categories(&state.db, s.id)
            .await?
            .into_iter()
            .map(|c| Choice {
                selected: Some(c.id) == category,
                id: c.id,
                name: c.name,
            })
            .collect(),
        title: title.chars().take(60).collect(),
        errors,
    })?;
    Ok(if failed { unprocessable(r) } else { r })
}

/// The form that starts a proposal; an idea's page links here with `?idea=<id>`.
async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    ctx.require(Action::DraftProposal)?;
    let chosen: Vec<i64> = q
        .idea
        .as_deref()
        .and_then(|i| i.trim().parse().ok())
        .into_iter()
        .collect();
    new_page(&state, &ctx, &chosen, "", None, vec![]).await
}

/// Starts a proposal from one or more accepted ideas of one community. Its background starts
/// as the ideas' own words, for the team to rewrite.
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    ctx.require(Action::DraftProposal)?;
    let viewer = ctx.viewer()?.clone();
    let t = ctx.tr();
    let (street, s) = current_season(&state).await?;
    let step = Step::from_number(s.current_step).ok_or(AppError::NotFound)?;
    let mut chosen: Vec<i64> = all_of(&form, "idea")
        .filter_map(|i| i.trim().parse().ok())
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    chosen.truncate(10);
    let title = field(&form, "title");
    let category = field(&form, "category_id").trim().parse::<i64>().ok();
    let mut problems: Vec<ProposalError> = Vec::new();
    if let Err(e) = rules::check_edit(step, None) {
        problems.push(e);
    }
    let sources = proposals::source_ideas(&state.db, &chosen).await?;
    let community_id = match rules::check_sources(s.id, chosen.len(), &sources) {
        Ok(c) => Some(c),
        Err(e) => {
            problems.extend(e);
            None
        }
    };
    let categories = ideas::categories(&state.db, s.id).await?;
    let category = category.filter(|c| categories.iter().any(|x| x.id == *c));
    let mut errors: Vec<String> = Vec::new();
    let input = DraftInput {
        title: title.to_owned(),
        background: rules::starting_background(&sources),
        ..DraftInput::default()
    };
    let parsed = match Content::parse(&input, None) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.extend(e);
            None
        }
    };
    problems.dedup();
    errors.extend(problems.iter().map(|e| problem_text(t, *e)));
    if category.is_none() {
        errors.push(t.t("err-idea-category"));
    }
    let (Some((title, content)), Some(community_id), Some(category_id), true) =
        (parsed, community_id, category, errors.is_empty())
    else {
        return new_page(&state, &ctx, &chosen, title, category, errors).await;
    };
    let id = proposals::create(
        &state.db,
        proposals::NewProposal {
            season_id: s.id,
            street_id: street.id,
            community_id,
            category_id,
            owner_id: viewer.account_id,
            title: &title,
            content: &content,
            idea_ids: &chosen,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/proposals/{id}/edit")).into_response())
}
