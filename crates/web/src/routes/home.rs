//! Public pages: the home page with the season's progress, the communities, the 过家家
//! alliance; the language and elder-mode switches; health and metrics.

use crate::AppState;
use crate::ctx::{Ctx, ELDER_COOKIE, LANG_COOKIE, safe_next, set_cookie};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::pages::{Layout, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::season::Step;
use chuangxiang_store::{org, season};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/communities", get(communities))
        .route("/alliance", get(alliance))
        .route("/lang/{code}", get(switch_lang))
        .route("/elder/{mode}", get(switch_elder))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/app.css", get(stylesheet))
        .route("/static/projector.js", get(projector_script))
        .route("/static/icon.svg", get(icon))
        // Browsers ask for /favicon.ico whatever the page says; send them to the icon.
        .route(
            "/favicon.ico",
            get(|| async { Redirect::to("/static/icon.svg") }),
        )
}

/// One step of the progress strip.
pub struct StepView {
    pub number: i32,
    pub name: String,
    pub dates: String,
    /// "done", "current" or "todo".
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    street: Option<String>,
    district: String,
    season_title: Option<String>,
    current_step: Option<String>,
    steps: Vec<StepView>,
    communities: usize,
}

/// The steps of a season as the progress strip shows them.
pub async fn step_views(state: &AppState, t: Tr, s: &season::Season) -> AppResult<Vec<StepView>> {
    let planned = season::steps(&state.db, s.id).await?;
    Ok(steps_of(t, s, &planned))
}

/// The progress strip of season `s` with its planned dates.
fn steps_of(t: Tr, s: &season::Season, planned: &[season::SeasonStep]) -> Vec<StepView> {
    Step::ALL
        .iter()
        .map(|step| {
            let p = planned.iter().find(|p| p.step == step.number());
            let dates = match p.and_then(|p| p.starts.zip(p.ends)) {
                Some((a, b)) => format!("{} – {}", a.format("%m-%d"), b.format("%m-%d")),
                None => String::new(),
            };
            StepView {
                number: step.number(),
                name: t.t(&format!("step-{}", step.key())),
                dates,
                state: match step.number().cmp(&s.current_step) {
                    std::cmp::Ordering::Less => "done",
                    std::cmp::Ordering::Equal => "current",
                    std::cmp::Ordering::Greater => "todo",
                },
            }
        })
        .collect()
}

/// The home page: the street, its current season and the eight steps. Its data comes from
/// [`crate::overview`], at most a second old.
async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let t = ctx.tr();
    let data = state.public.home(&state.db).await?;
    let (mut season_title, mut current_step, mut steps) = (None, None, Vec::new());
    if let Some((s, planned)) = &data.season {
        steps = steps_of(t, s, planned);
        current_step =
            Step::from_number(s.current_step).map(|st| t.t(&format!("step-{}", st.key())));
        season_title = Some(s.title.clone());
    }
    render(&HomePage {
        l: Layout::new(&ctx),
        street: data.street.as_ref().map(|s| s.name.clone()),
        district: data.district.clone(),
        season_title,
        current_step,
        steps,
        communities: data.communities,
    })
}

pub struct CommunityRow {
    pub name: String,
    pub residents: u64,
    pub demo: bool,
}

#[derive(Template)]
#[template(path = "communities.html")]
struct CommunitiesPage {
    l: Layout,
    street: String,
    rows: Vec<CommunityRow>,
}

/// The street's communities with their number of registered residents, from
/// [`crate::overview`] (at most a second old).
async fn communities(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let data = state.public.communities(&state.db).await?;
    let data = data.as_ref().as_ref().ok_or(AppError::NotFound)?;
    let rows = data
        .rows
        .iter()
        .map(|(c, residents)| CommunityRow {
            residents: *residents,
            name: c.name.clone(),
            demo: c.demo,
        })
        .collect();
    render(&CommunitiesPage {
        l: Layout::new(&ctx),
        street: data.street.name.clone(),
        rows,
    })
}

pub struct SocietyRow {
    pub committee: String,
    pub society: String,
}

#[derive(Template)]
#[template(path = "alliance.html")]
struct AlliancePage {
    l: Layout,
    societies: Vec<SocietyRow>,
}

/// The 过家家 "17N" alliance: the seven committees and their societies.
async fn alliance(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let en = ctx.lang.is_en();
    let societies = org::societies(&state.db)
        .await?
        .into_iter()
        .map(|s| SocietyRow {
            committee: if en { s.committee_en } else { s.committee_zh },
            society: if en { s.society_en } else { s.society_zh },
        })
        .collect();
    render(&AlliancePage {
        l: Layout::new(&ctx),
        societies,
    })
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// Switches the language and returns to the page the reader was on. A plain link, so it
/// works without JavaScript; the choice is kept for a year.
async fn switch_lang(Path(code): Path<String>, Query(q): Query<Next>) -> AppResult<Response> {
    let lang = Lang::from_code(&code).ok_or(AppError::NotFound)?;
    let mut response = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), 31_536_000, false),
    );
    Ok(response)
}

/// Turns elder mode (长辈版) on or off and returns.
async fn switch_elder(Path(mode): Path<String>, Query(q): Query<Next>) -> AppResult<Response> {
    let value = match mode.as_str() {
        "on" => "1",
        "off" => "0",
        _ => return Err(AppError::NotFound),
    };
    let mut response = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(ELDER_COOKIE, value, 31_536_000, false),
    );
    Ok(response)
}

/// Liveness for load balancers and benchmarks: answers without touching the database.
async fn healthz() -> &'static str {
    "ok"
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

async fn stylesheet() -> Response {
    static_file(
        include_str!("../../static/app.css"),
        "text/css; charset=utf-8",
    )
}

/// The projector's script: a file of its own, since the pages allow no inline script.
async fn projector_script() -> Response {
    static_file(
        include_str!("../../static/projector.js"),
        "text/javascript; charset=utf-8",
    )
}

/// The site's icon: 创 in white on the programme's red.
async fn icon() -> Response {
    static_file(include_str!("../../static/icon.svg"), "image/svg+xml")
}

fn static_file(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
