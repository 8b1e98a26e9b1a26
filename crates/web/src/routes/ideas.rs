//! Golden ideas (step 3): the idea wall, submitting an idea (online or from a paper form),
//! supporting one, and a coordinator's review queue.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Layout, beijing_time, parse_id, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use chuangxiang_domain::account::DisplayName;
use chuangxiang_domain::ideas::{
    self as rules, Channel, IdeaError, IdeaText, Review, ReviewTarget, Sort, Status,
};
use chuangxiang_domain::photos::PhotoError;
use chuangxiang_domain::policy::{Action, CommunityRef};
use chuangxiang_domain::season::Step;
use chuangxiang_store::{StoreError, accounts, ideas, org, season};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ideas", get(wall).post(submit))
        .route("/ideas/new", get(new_form))
        .route("/ideas/{id}", get(detail))
        .route("/ideas/{id}/support", post(support))
        .route("/ideas/{id}/review", post(review))
        .route("/ideas/{id}/photos", post(add_photo))
        .route("/ideas/{id}/photos/{photo}", get(photo))
        .route("/ideas/{id}/photos/{photo}/thumb", get(thumbnail))
        .route("/community/{id}/ideas", get(review_queue))
        .route("/community/{id}/poster", get(poster))
}

/// The first street and its current season: where ideas are collected.
pub(crate) async fn current_season(state: &AppState) -> AppResult<(org::Street, season::Season)> {
    let street = org::first_street(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = season::current(&state.db, street.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((street, s))
}

pub struct Choice {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

pub struct IdeaCard {
    pub id: i64,
    pub title: String,
    pub community: String,
    pub category: String,
    pub supports: i32,
    pub status: String,
    pub when: String,
}

fn names(list: impl IntoIterator<Item = (i64, String)>) -> HashMap<i64, String> {
    list.into_iter().collect()
}

fn cards(
    t: Tr,
    rows: Vec<ideas::Idea>,
    communities: &HashMap<i64, String>,
    categories: &HashMap<i64, String>,
) -> Vec<IdeaCard> {
    rows.into_iter()
        .map(|i| IdeaCard {
            community: communities
                .get(&i.community_id)
                .cloned()
                .unwrap_or_default(),
            category: categories.get(&i.category_id).cloned().unwrap_or_default(),
            status: t.t(&format!("idea-status-{}", i.status)),
            when: beijing_time(i.created_at),
            supports: i.supports,
            title: i.title,
            id: i.id,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ideas/wall.html")]
struct WallPage {
    l: Layout,
    season: String,
    collecting: bool,
    communities: Vec<Choice>,
    categories: Vec<Choice>,
    q: String,
    newest: bool,
    ideas: Vec<IdeaCard>,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
}

#[derive(Deserialize, Default)]
struct WallQuery {
    community: Option<String>,
    category: Option<String>,
    sort: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

fn optional_id(raw: &Option<String>) -> Option<i64> {
    raw.as_deref()
        .and_then(|v| v.trim().parse().ok())
        .filter(|v: &i64| *v > 0)
}

/// The public idea wall: accepted ideas, filtered by community and category, sorted by
/// newest or most supported, searchable in Chinese.
async fn wall(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WallQuery>,
) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let t = ctx.tr();
    // The wall is the busiest public page: its data comes from the one-second public cache.
    let frame = state.public.wall_frame(&state.db).await?;
    let frame = frame.as_ref().as_ref().ok_or(AppError::NotFound)?;
    let s = &frame.season;
    let community = optional_id(&q.community);
    let category = optional_id(&q.category);
    let sort = q
        .sort
        .as_deref()
        .and_then(Sort::from_key)
        .unwrap_or_default();
    let text: String = q.q.as_deref().unwrap_or("").chars().take(50).collect();
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0u64)
        .min(10_000);
    let query = ideas::WallQuery {
        season_id: s.id,
        community_id: community,
        category_id: category,
        statuses: vec![Status::Accepted],
        terms: rules::similar::terms(&text),
        sort,
        page,
    };
    let page_data = state.public.wall_page(&state.db, &query).await?;
    let (rows, total) = (page_data.0.clone(), page_data.1);
    let all_communities = frame.communities.clone();
    let all_categories = frame.categories.clone();
    let community_names = names(all_communities.iter().map(|c| (c.id, c.name.clone())));
    let category_names = names(all_categories.iter().map(|c| (c.id, c.name.clone())));
    let link = format!(
        "community={}&category={}&sort={}&q={}",
        community.map(|c| c.to_string()).unwrap_or_default(),
        category.map(|c| c.to_string()).unwrap_or_default(),
        if sort == Sort::Newest {
            "newest"
        } else {
            "supported"
        },
        crate::ctx::urlencode(&text)
    );
    render(&WallPage {
        l: Layout::new(&ctx),
        season: s.title.clone(),
        collecting: s.current_step == Step::IdeaCollection.number(),
        communities: all_communities
            .into_iter()
            .map(|c| Choice {
                selected: Some(c.id) == community,
                id: c.id,
                name: c.name,
            })
            .collect(),
        categories: all_categories
            .into_iter()
            .map(|c| Choice {
                selected: Some(c.id) == category,
                id: c.id,
                name: c.name,
            })
            .collect(),
        q: text,
        newest: sort == Sort::Newest,
        ideas: cards(t, rows, &community_names, &category_names),
        total,
        page,
        pages: total.div_ceil(ideas::WALL_PAGE),
        query: link,
    })
}

pub struct Similar {
    pub id: i64,
    pub title: String,
}

#[derive(Template)]
#[template(path = "ideas/new.html")]
struct NewPage {
    l: Layout,
    collecting: bool,
    communities: Vec<Choice>,
    categories: Vec<Choice>,
    organisations: Vec<Choice>,
    paper: bool,
    form: IdeaForm,
    errors: Vec<String>,
    similar: Vec<Similar>,
}

#[derive(Deserialize, Default, Clone)]
struct IdeaForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    community_id: String,
    /// `self`, or `org:<id>` for a social worker submitting for their organisation.
    #[serde(default)]
    submit_as: String,
    /// Present once the person has seen the similar ideas and still wants to submit.
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    paper: Option<String>,
    #[serde(default)]
    paper_number: String,
    #[serde(default)]
    paper_date: String,
    #[serde(default)]
    resident_name: String,
    #[serde(default)]
    consent: String,
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    form: IdeaForm,
    errors: Vec<String>,
    similar: Vec<Similar>,
) -> AppResult<Response> {
    let viewer = ctx.viewer()?;
    let (street, s) = current_season(state).await?;
    let chosen_community = form
        .community_id
        .trim()
        .parse()
        .ok()
        .or(viewer.community_id);
    let chosen_category: Option<i64> = form.category_id.trim().parse().ok();
    let mut organisations = Vec::new();
    for id in ctx.organisations() {
        if let Ok(o) = org::organisation(&state.db, id).await {
            organisations.push(Choice {
                selected: form.submit_as == format!("org:{id}"),
                id,
                name: o.name,
            });
        }
    }
    let failed = !errors.is_empty();
    let r = render(&NewPage {
        l: Layout::new(ctx),
        collecting: s.current_step == Step::IdeaCollection.number(),
        communities: org::communities(&state.db, street.id)
            .await?
            .into_iter()
            .map(|c| Choice {
                selected: Some(c.id) == chosen_community,
                id: c.id,
                name: c.name,
            })
            .collect(),
        categories: ideas::categories(&state.db, s.id)
            .await?
            .into_iter()
            .map(|c| Choice {
                selected: Some(c.id) == chosen_category,
                id: c.id,
                name: c.name,
            })
            .collect(),
        organisations,
        paper: !ctx.coordinated_communities().is_empty() || ctx.admin_street().is_some(),
        form: IdeaForm {
            title: form.title.chars().take(60).collect(),
            description: form.description.chars().take(2100).collect(),
            place: form.place.chars().take(120).collect(),
            ..form
        },
        errors,
        similar,
    })?;
    Ok(if failed {
        let mut r = r;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        r
    } else {
        r
    })
}

#[derive(Deserialize)]
struct NewQuery {
    community: Option<String>,
}

/// The idea form. A QR poster links here with `?community=<id>`.
async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    ctx.require(Action::SubmitIdea)?;
    let form = IdeaForm {
        community_id: q.community.unwrap_or_default(),
        ..IdeaForm::default()
    };
    new_page(&state, &ctx, form, vec![], vec![]).await
}

/// Submits an idea. Before saving, ideas like it are shown once, so the resident can support
/// one of them instead of adding a duplicate.
async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<IdeaForm>,
) -> AppResult<Response> {
    ctx.require(Action::SubmitIdea)?;
    let viewer = ctx.viewer()?.clone();
    let t = ctx.tr();
    let (street, s) = current_season(&state).await?;
    let mut errors: Vec<String> = Vec::new();
    let text = IdeaText::parse(&form.title, &form.description, &form.place)
        .map_err(|problems| errors.extend(problems.into_iter().map(|e| t.t(e.message_id()))))
        .ok();
    let community = match form.community_id.trim().parse::<i64>().ok() {
        Some(id) => org::community(&state.db, id)
            .await
            .ok()
            .filter(|c| c.street_id == street.id),
        None => None,
    };
    if community.is_none() {
        errors.push(t.t("err-idea-community"));
    }
    let categories = ideas::categories(&state.db, s.id).await?;
    let category = form
        .category_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| categories.iter().any(|c| c.id == *id));
    if category.is_none() {
        errors.push(t.t("err-idea-category"));
    }
    let organisation_id = match form.submit_as.strip_prefix("org:") {
        Some(raw) => {
            let id = parse_id(raw)?;
            ctx.require(Action::WorkForOrganisation { org_id: id })?;
            Some(id)
        }
        None => None,
    };
    // A paper form: typed in by the community's coordinator (or the street admin).
    let paper = form.paper.is_some();
    let mut author_name = None;
    let channel = if paper {
        if let Some(c) = &community {
            ctx.require(Action::ReviewIdeas(CommunityRef {
                community_id: c.id,
                street_id: c.street_id,
            }))?;
        }
        match DisplayName::parse(&form.resident_name) {
            Ok(n) => author_name = Some(n.as_str().to_owned()),
            Err(e) => errors.push(t.t(e.message_id())),
        }
        match NaiveDate::parse_from_str(form.paper_date.trim(), "%Y-%m-%d") {
            Ok(dated) => Some(Channel::PaperForm {
                number: form.paper_number.clone(),
                dated,
                consent: form.consent.clone(),
            }),
            Err(_) => {
                errors.push(t.t("err-idea-paper-date"));
                None
            }
        }
    } else {
        Some(Channel::Online)
    };
    let step = Step::from_number(s.current_step).ok_or(AppError::NotFound)?;
    let window = season::steps(&state.db, s.id)
        .await?
        .into_iter()
        .find(|p| p.step == Step::IdeaCollection.number())
        .and_then(|p| p.starts.zip(p.ends));
    let late = match channel
        .as_ref()
        .map(|c| rules::check_submission(step, window, c))
    {
        Some(Ok(late)) => late,
        Some(Err(e)) => {
            errors.push(t.t(e.message_id()));
            false
        }
        None => false,
    };
    let (Some(text), Some(community), Some(category), true) =
        (text, community, category, errors.is_empty())
    else {
        return new_page(&state, &ctx, form, errors, vec![]).await;
    };
    if form.confirm.is_none() {
        let terms = rules::similar::terms(&text.title);
        let candidates = ideas::similar_candidates(&state.db, s.id, &terms).await?;
        let ranked = rules::similar::rank(
            &text.title,
            candidates.iter().map(|(id, title)| (*id, title.as_str())),
            5,
        );
        if !ranked.is_empty() {
            let titles: HashMap<i64, &String> =
                candidates.iter().map(|(id, title)| (*id, title)).collect();
            let similar = ranked
                .into_iter()
                .filter_map(|(id, _)| {
                    titles.get(&id).map(|title| Similar {
                        id,
                        title: (*title).clone(),
                    })
                })
                .collect();
            return new_page(&state, &ctx, form, vec![], similar).await;
        }
    }
    let paper_form = match (&channel, paper) {
        (
            Some(Channel::PaperForm {
                number,
                dated,
                consent,
            }),
            true,
        ) => Some((number.as_str(), *dated, consent.as_str())),
        _ => None,
    };
    let id = ideas::submit(
        &state.db,
        ideas::NewIdea {
            season_id: s.id,
            street_id: street.id,
            community_id: community.id,
            category_id: category,
            author_id: if paper || organisation_id.is_some() {
                None
            } else {
                Some(viewer.account_id)
            },
            organisation_id,
            submitted_by: viewer.account_id,
            author_name: author_name.as_deref(),
            text: &text,
            paper_form,
            late,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/ideas/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "ideas/detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    title: String,
    description: String,
    place: String,
    community: String,
    category: String,
    author: String,
    status: String,
    reason: Option<String>,
    merged_into: Option<i64>,
    supports: i32,
    when: String,
    paper_form: Option<String>,
    late: bool,
    can_support: bool,
    supported: bool,
    can_review: bool,
    notice: Option<String>,
    photos: Vec<i64>,
    can_add_photo: bool,
    can_propose: bool,
}

#[derive(Deserialize)]
struct DetailQuery {
    notice: Option<String>,
}

async fn load_visible(
    state: &AppState,
    ctx: &Ctx,
    raw: &str,
) -> AppResult<(ideas::Idea, org::Community)> {
    let idea = ideas::get(&state.db, parse_id(raw)?).await?;
    let community = org::community(&state.db, idea.community_id).await?;
    let status = Status::from_key(&idea.status).ok_or(AppError::NotFound)?;
    let community_ref = CommunityRef {
        community_id: community.id,
        street_id: community.street_id,
    };
    let author = idea.author_id.or(Some(idea.submitted_by));
    ctx.require(Action::ReadIdea {
        community: community_ref,
        author,
        public: status.is_public(),
    })?;
    Ok((idea, community))
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let (idea, community) = load_visible(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let status = Status::from_key(&idea.status).ok_or(AppError::NotFound)?;
    let category = ideas::categories(&state.db, idea.season_id)
        .await?
        .into_iter()
        .find(|c| c.id == idea.category_id)
        .map(|c| c.name)
        .unwrap_or_default();
    let author = match (idea.author_id, idea.organisation_id, &idea.author_name) {
        (Some(a), _, _) => accounts::by_id(&state.db, a).await?.display_name,
        (None, Some(o), _) => org::organisation(&state.db, o).await?.name,
        (None, None, Some(name)) => name.clone(),
        _ => String::new(),
    };
    let viewer = ctx.viewer.as_ref().map(|v| v.account_id);
    let supported = match viewer {
        Some(v) => ideas::has_supported(&state.db, idea.id, v).await?,
        None => false,
    };
    let can_support = viewer
        .is_some_and(|v| rules::check_support(v, idea.author_id, status).is_ok())
        && !supported;
    let can_review = status == Status::Submitted
        && ctx
            .require(Action::ReviewIdeas(CommunityRef {
                community_id: community.id,
                street_id: community.street_id,
            }))
            .is_ok();
    let notice = q.notice.as_deref().and_then(|n| match n {
        "supported" | "reviewed" | "photo-added" => Some(t.t(&format!("idea-notice-{n}"))),
        e => IdeaError::ALL
            .iter()
            .map(|x| x.message_id())
            .chain(PhotoError::ALL.iter().map(|x| x.message_id()))
            .find(|id| *id == e)
            .map(|id| t.t(id)),
    });
    let photos = ideas::photo_ids(&state.db, idea.id).await?;
    let can_add_photo = status == Status::Submitted
        && viewer.is_some_and(|v| v == idea.submitted_by)
        && photos.len() < chuangxiang_domain::photos::MAX_PER_IDEA;
    let can_propose = status == Status::Accepted
        && season::by_id(&state.db, idea.season_id).await?.current_step
            == Step::ProposalDrafting.number();
    render(&DetailPage {
        l: Layout::new(&ctx),
        can_propose,
        id: idea.id,
        title: idea.title,
        description: idea.description,
        place: idea.place,
        community: community.name,
        category,
        author,
        status: t.t(&format!("idea-status-{}", status.key())),
        reason: idea.status_reason,
        merged_into: idea.merged_into,
        supports: idea.supports,
        when: beijing_time(idea.created_at),
        paper_form: idea.paper_form_number,
        late: idea.late,
        can_support,
        supported,
        can_review,
        notice,
        photos,
        can_add_photo,
    })
}

/// Adds a photo to one's own idea while it waits for review. The photo is checked by its
/// content, re-encoded without metadata, and given a thumbnail.
async fn add_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let (idea, _) = load_visible(&state, &ctx, &id).await?;
    let viewer = ctx.viewer()?;
    if viewer.account_id != idea.submitted_by || idea.status != Status::Submitted.key() {
        return Err(AppError::Forbidden);
    }
    let mut upload = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => {
                // Over the body limit (413) or cut off (400): the sender's doing, not ours.
                upload = match field.bytes().await {
                    Ok(b) => b.to_vec(),
                    Err(e) => return Ok(e.status().into_response()),
                };
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return Ok(e.status().into_response()),
        }
    }
    let already = ideas::photo_ids(&state.db, idea.id).await?.len();
    // Decoding runs on the few photo threads: parallel uploads wait their turn or are told
    // the server is busy, rather than each taking hundreds of megabytes at once.
    let processed = state
        .photos
        .run(move |_| crate::photos::process(&upload, already))
        .await
        .map_err(|_| AppError::Busy)?;
    let notice = match processed {
        Err(e) => e.message_id(),
        Ok(p) => {
            ideas::add_photo(
                &state.db,
                idea.id,
                (p.width, p.height),
                p.photo,
                p.thumbnail,
            )
            .await?;
            "photo-added"
        }
    };
    Ok(Redirect::to(&format!("/ideas/{}?notice={notice}", idea.id)).into_response())
}

async fn photo_response(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    photo: &str,
    thumbnail: bool,
) -> AppResult<Response> {
    let (idea, _) = load_visible(state, ctx, id).await?;
    let bytes = ideas::photo(&state.db, idea.id, parse_id(photo)?, thumbnail).await?;
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("image/jpeg"),
    );
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(response)
}

async fn photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    photo_response(&state, &ctx, &id, &photo, false).await
}

async fn thumbnail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(String, String)>,
) -> AppResult<Response> {
    photo_response(&state, &ctx, &id, &photo, true).await
}

/// A resident's +1. Supporting twice, or one's own idea, is refused with a message.
async fn support(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (idea, _) = load_visible(&state, &ctx, &id).await?;
    let viewer = ctx.viewer()?;
    let status = Status::from_key(&idea.status).ok_or(AppError::NotFound)?;
    let notice = match rules::check_support(viewer.account_id, idea.author_id, status) {
        Err(e) => e.message_id(),
        Ok(()) => match ideas::support(&state.db, idea.id, viewer.account_id).await {
            Ok(()) => "supported",
            Err(StoreError::Conflict) => "supported",
            Err(e) => return Err(e.into()),
        },
    };
    Ok(Redirect::to(&format!("/ideas/{}?notice={notice}", idea.id)).into_response())
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    reason: String,
}

/// The coordinator accepts, merges or declines a submitted idea.
async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    let idea = ideas::get(&state.db, parse_id(&id)?).await?;
    let community = org::community(&state.db, idea.community_id).await?;
    ctx.require(Action::ReviewIdeas(CommunityRef {
        community_id: community.id,
        street_id: community.street_id,
    }))?;
    let status = Status::from_key(&idea.status).ok_or(AppError::NotFound)?;
    let decision = match form.decision.as_str() {
        "accept" => Review::Accept,
        "decline" => Review::Decline {
            reason: form.reason.clone(),
        },
        "merge" => Review::MergeInto {
            target: form.target.trim().parse().unwrap_or(0),
        },
        _ => return Err(AppError::NotFound),
    };
    let merge_target = match &decision {
        Review::MergeInto { target } => ideas::get(&state.db, *target)
            .await
            .ok()
            .filter(|t| t.season_id == idea.season_id)
            .and_then(|t| Status::from_key(&t.status).map(|s| (t.id, s))),
        _ => None,
    };
    let target = ReviewTarget {
        idea_id: idea.id,
        status,
        merge_target,
    };
    let notice = match rules::review(&target, &decision) {
        Err(e) => e.message_id(),
        Ok(new_status) => {
            let (reason, merged) = match &decision {
                Review::Decline { reason } => (Some(reason.as_str()), None),
                Review::MergeInto { target } => (None, Some(*target)),
                Review::Accept => (None, None),
            };
            match ideas::review(
                &state.db,
                ctx.viewer()?.account_id,
                community.street_id,
                idea.id,
                new_status,
                reason,
                merged,
            )
            .await
            {
                Ok(()) => "reviewed",
                Err(StoreError::Conflict) => IdeaError::AlreadyReviewed.message_id(),
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(Redirect::to(&format!("/ideas/{}?notice={notice}", idea.id)).into_response())
}

#[derive(Template)]
#[template(path = "ideas/queue.html")]
struct QueuePage {
    l: Layout,
    community_id: i64,
    community: String,
    ideas: Vec<IdeaCard>,
}

/// The ideas of a community still waiting for the coordinator's review.
async fn review_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    ctx.viewer()?;
    let community = org::community(&state.db, id).await?;
    ctx.require(Action::ReviewIdeas(CommunityRef {
        community_id: community.id,
        street_id: community.street_id,
    }))?;
    let t = ctx.tr();
    let s = season::current(&state.db, community.street_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (rows, _) = ideas::wall(
        &state.db,
        &ideas::WallQuery {
            season_id: s.id,
            community_id: Some(community.id),
            statuses: vec![Status::Submitted],
            sort: Sort::Newest,
            page: 0,
            ..ideas::WallQuery::default()
        },
    )
    .await?;
    let community_names = names([(community.id, community.name.clone())]);
    let category_names = names(
        ideas::categories(&state.db, s.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name)),
    );
    render(&QueuePage {
        l: Layout::new(&ctx),
        community_id: community.id,
        community: community.name,
        ideas: cards(t, rows, &community_names, &category_names),
    })
}

#[derive(Template)]
#[template(path = "ideas/poster.html")]
struct PosterPage {
    t: Tr,
    street: String,
    community_id: i64,
    community: String,
    url: String,
    qr: String,
}

/// A printable A4 poster for a community's courtyards: a QR code to the idea form with the
/// community already chosen, and large-print instructions.
async fn poster(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    ctx.viewer()?;
    let community = org::community(&state.db, id).await?;
    ctx.require(Action::ReviewIdeas(CommunityRef {
        community_id: community.id,
        street_id: community.street_id,
    }))?;
    let origin = crate::pages::site_origin(&state.settings, &headers);
    let url = format!("{origin}/ideas/new?community={}", community.id);
    let qr = crate::pages::qr_image(&url, 320)?;
    render(&PosterPage {
        t: ctx.tr(),
        street: org::street(&state.db, community.street_id).await?.name,
        community_id: community.id,
        community: community.name,
        url,
        qr,
    })
}
