//! The street admin's pages: communities and courtyards, organisations, imports, the season,
//! roles, and the audit log.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::import::{self as file, Encoding};
use crate::pages::{Layout, beijing_time, parse_id, render};
use crate::routes::home::{StepView, step_views};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use chuangxiang_domain::account::{Phone, Role};
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_domain::import::{self as check, RowProblem};
use chuangxiang_domain::org::{OrgKind, PlaceName};
use chuangxiang_domain::policy::{Action, Grant};
use chuangxiang_domain::season::{PlannedStep, SeasonError, Step};
use chuangxiang_store::season::ChangeError;
use chuangxiang_store::{StoreError, accounts, audit, org, season};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route(
            "/admin/communities",
            get(communities).post(create_community),
        )
        .route("/admin/communities/{id}/rename", post(rename_community))
        .route("/admin/communities/{id}/courtyards", post(create_courtyard))
        .route(
            "/admin/organisations",
            get(organisations).post(create_organisation),
        )
        .route("/admin/import", get(import_form).post(import))
        .route("/admin/season", get(season_page))
        .route("/admin/season/open", post(open_season))
        .route("/admin/season/advance", post(advance_season))
        .route("/admin/season/back", post(move_season_back))
        .route("/admin/season/calendar", post(set_calendar))
        .route("/admin/roles", get(roles_page).post(grant_role))
        .route("/admin/audit", get(audit_log))
}

/// The street the viewer administers, after asking the policy.
pub(crate) async fn admin_street(state: &AppState, ctx: &Ctx) -> AppResult<org::Street> {
    let street_id = match ctx.admin_street() {
        Some(id) => id,
        None => {
            // Ask the policy anyway, so that "log in" and "not allowed" are told apart.
            let first = org::first_street(&state.db)
                .await?
                .map(|s| s.id)
                .unwrap_or(0);
            ctx.require(Action::ManageStreet { street_id: first })?;
            first
        }
    };
    ctx.require(Action::ManageStreet { street_id })?;
    Ok(org::street(&state.db, street_id).await?)
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    l: Layout,
    street: String,
    communities: usize,
    organisations: usize,
    season: Option<String>,
    step: Option<String>,
}

async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    let t = ctx.tr();
    let current = season::current(&state.db, street.id).await?;
    render(&DashboardPage {
        l: Layout::new(&ctx),
        communities: org::communities(&state.db, street.id).await?.len(),
        organisations: org::organisations(&state.db, street.id).await?.len(),
        step: current
            .as_ref()
            .and_then(|s| Step::from_number(s.current_step))
            .map(|s| t.t(&format!("step-{}", s.key()))),
        season: current.map(|s| s.title),
        street: street.name,
    })
}

pub struct CommunityAdminRow {
    pub id: i64,
    pub name: String,
    pub courtyards: String,
    pub demo: bool,
}

#[derive(Template)]
#[template(path = "admin/communities.html")]
struct CommunitiesPage {
    l: Layout,
    street: String,
    rows: Vec<CommunityAdminRow>,
    error: Option<String>,
    name: String,
}

async fn communities_page(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    name: String,
) -> AppResult<Response> {
    let street = admin_street(state, ctx).await?;
    let mut rows = Vec::new();
    for c in org::communities(&state.db, street.id).await? {
        let courtyards = org::courtyards(&state.db, c.id)
            .await?
            .into_iter()
            .map(|y| y.name)
            .collect::<Vec<_>>()
            .join("、");
        rows.push(CommunityAdminRow {
            id: c.id,
            name: c.name,
            courtyards,
            demo: c.demo,
        });
    }
    let failed = error.is_some();
    let r = render(&CommunitiesPage {
        l: Layout::new(ctx),
        street: street.name,
        rows,
        error,
        name,
    })?;
    Ok(if failed { unprocessable(r) } else { r })
}

async fn communities(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    communities_page(&state, &ctx, None, String::new()).await
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

/// Turns a name problem or a taken name into the sentence shown above the form.
fn name_error(t: Tr, result: Result<i64, StoreError>) -> AppResult<Option<String>> {
    match result {
        Ok(_) => Ok(None),
        Err(StoreError::Conflict) => Ok(Some(t.t("err-name-taken"))),
        Err(e) => Err(e.into()),
    }
}

async fn create_community(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NameForm>,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    let t = ctx.tr();
    let error = match PlaceName::parse(&form.name) {
        Err(e) => Some(t.t(e.message_id())),
        Ok(name) => name_error(
            t,
            org::create_community(&state.db, Some(ctx.viewer()?.account_id), street.id, &name)
                .await,
        )?,
    };
    match error {
        None => Ok(Redirect::to("/admin/communities").into_response()),
        Some(e) => {
            communities_page(&state, &ctx, Some(e), form.name.chars().take(80).collect()).await
        }
    }
}

/// Loads a community of the admin's street (another street's community does not exist here).
async fn own_community(state: &AppState, ctx: &Ctx, raw_id: &str) -> AppResult<org::Community> {
    let street = admin_street(state, ctx).await?;
    let community = org::community(&state.db, parse_id(raw_id)?).await?;
    if community.street_id != street.id {
        return Err(AppError::NotFound);
    }
    Ok(community)
}

async fn rename_community(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> AppResult<Response> {
    let community = own_community(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let error = match PlaceName::parse(&form.name) {
        Err(e) => Some(t.t(e.message_id())),
        Ok(name) => name_error(
            t,
            org::rename_community(&state.db, ctx.viewer()?.account_id, community.id, &name)
                .await
                .map(|_| 0),
        )?,
    };
    match error {
        None => Ok(Redirect::to("/admin/communities").into_response()),
        Some(e) => communities_page(&state, &ctx, Some(e), String::new()).await,
    }
}

async fn create_courtyard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> AppResult<Response> {
    let community = own_community(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let error = match PlaceName::parse(&form.name) {
        Err(e) => Some(t.t(e.message_id())),
        Ok(name) => name_error(
            t,
            org::create_courtyard(&state.db, ctx.viewer()?.account_id, community.id, &name).await,
        )?,
    };
    match error {
        None => Ok(Redirect::to("/admin/communities").into_response()),
        Some(e) => communities_page(&state, &ctx, Some(e), String::new()).await,
    }
}

pub struct OrgRow {
    pub name: String,
    pub kind: String,
    pub demo: bool,
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    l: Layout,
    rows: Vec<OrgRow>,
    error: Option<String>,
}

async fn organisations_page(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
) -> AppResult<Response> {
    let street = admin_street(state, ctx).await?;
    let t = ctx.tr();
    let rows = org::organisations(&state.db, street.id)
        .await?
        .into_iter()
        .map(|o| OrgRow {
            kind: t.t(&format!("org-kind-{}", o.kind)),
            name: o.name,
            demo: o.demo,
        })
        .collect();
    let failed = error.is_some();
    let r = render(&OrganisationsPage {
        l: Layout::new(ctx),
        rows,
        error,
    })?;
    Ok(if failed { unprocessable(r) } else { r })
}

async fn organisations(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    organisations_page(&state, &ctx, None).await
}

#[derive(Deserialize)]
struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn create_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    let t = ctx.tr();
    let error = match (PlaceName::parse(&form.name), OrgKind::from_key(&form.kind)) {
        (Err(e), _) => Some(t.t(e.message_id())),
        (_, None) => Some(t.t("err-org-kind")),
        (Ok(name), Some(kind)) => name_error(
            t,
            org::create_organisation(
                &state.db,
                Some(ctx.viewer()?.account_id),
                street.id,
                kind,
                &name,
            )
            .await,
        )?,
    };
    match error {
        None => Ok(Redirect::to("/admin/organisations").into_response()),
        Some(e) => organisations_page(&state, &ctx, Some(e)).await,
    }
}

pub struct ProblemRow {
    pub row: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    l: Layout,
    /// The kind chosen last, kept checked after a refused file.
    kind: String,
    problems: Vec<ProblemRow>,
    imported: Option<String>,
    error: Option<String>,
}

async fn import_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin_street(&state, &ctx).await?;
    render(&ImportPage {
        l: Layout::new(&ctx),
        kind: String::new(),
        problems: vec![],
        imported: None,
        error: None,
    })
}

fn problem_rows(t: Tr, problems: &[RowProblem]) -> Vec<ProblemRow> {
    problems
        .iter()
        .map(|p| {
            let detail = match &p.problem {
                check::ImportProblem::MissingColumn(col) => {
                    t.t1("import-missing-column", "column", col)
                }
                check::ImportProblem::DuplicateInFile { first_row } => {
                    t.t1("import-duplicate-in-file", "first", first_row)
                }
                check::ImportProblem::UnknownCommunity(name) => {
                    t.t1("import-unknown-community", "name", name)
                }
                other => t.t(other.message_id()),
            };
            ProblemRow {
                row: p
                    .row
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| t.t("import-whole-file")),
                message: detail,
            }
        })
        .collect()
}

/// Imports communities or residents from an uploaded XLSX or CSV. The whole file is checked
/// first; while any row is bad, nothing is imported and every bad row is listed.
async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    let actor = ctx.viewer()?.account_id;
    let t = ctx.tr();
    let mut kind = String::new();
    let mut upload: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Ok(e.status().into_response()),
        };
        match field.name() {
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                // Over the size limit (413) or cut off (400): the reader's fault, not ours.
                let bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) => return Ok(e.status().into_response()),
                };
                upload = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let page = |problems: Vec<ProblemRow>,
                imported: Option<String>,
                error: Option<String>|
     -> AppResult<Response> {
        let failed = error.is_some() || !problems.is_empty();
        let r = render(&ImportPage {
            l: Layout::new(&ctx),
            kind: kind.clone(),
            problems,
            imported,
            error,
        })?;
        Ok(if failed { unprocessable(r) } else { r })
    };
    let (name, bytes) = upload.unwrap_or_default();
    let (table, encoding) = match file::read_table(&name, &bytes) {
        Ok(x) => x,
        Err(e) => return page(vec![], None, Some(t.t(e.message_id()))),
    };
    let read_as = match encoding {
        Encoding::Gbk => t.t("import-read-gbk"),
        Encoding::Utf8 => t.t("import-read-utf8"),
        Encoding::Xlsx => String::new(),
    };
    match kind.as_str() {
        "communities" => {
            let existing: HashSet<String> = org::communities(&state.db, street.id)
                .await?
                .into_iter()
                .map(|c| c.name)
                .collect();
            match check::check_communities(&table, &existing) {
                Err(problems) => page(problem_rows(t, &problems), None, None),
                Ok(names) => match org::import_communities(&state.db, actor, street.id, &names)
                    .await
                {
                    Ok(n) => page(
                        vec![],
                        Some(format!(
                            "{} {read_as}",
                            t.t1("import-done-communities", "count", n)
                        )),
                        None,
                    ),
                    // A community added by someone else between the check and the write.
                    Err(StoreError::Conflict) => page(vec![], None, Some(t.t("import-conflict"))),
                    Err(e) => Err(e.into()),
                },
            }
        }
        "residents" => {
            let communities: HashMap<String, i64> = org::communities(&state.db, street.id)
                .await?
                .into_iter()
                .map(|c| (c.name, c.id))
                .collect();
            let phones: Vec<Phone> = table
                .iter()
                .flat_map(|r| r.iter())
                .filter_map(|c| Phone::parse(c).ok())
                .collect();
            let registered = accounts::registered_among(&state.db, &phones).await?;
            match check::check_residents(&table, &communities, &|p| registered.contains(p.as_str()))
            {
                Err(problems) => page(problem_rows(t, &problems), None, None),
                Ok(rows) => {
                    let residents: Vec<org::ImportedResident> = rows
                        .iter()
                        .map(|r| org::ImportedResident {
                            name: &r.name,
                            phone: &r.phone,
                            community_id: r.community_id,
                        })
                        .collect();
                    match org::import_residents(&state.db, actor, street.id, &residents).await {
                        Ok(n) => page(
                            vec![],
                            Some(format!(
                                "{} {read_as}",
                                t.t1("import-done-residents", "count", n)
                            )),
                            None,
                        ),
                        Err(StoreError::Conflict) => {
                            page(vec![], None, Some(t.t("import-conflict")))
                        }
                        Err(e) => Err(e.into()),
                    }
                }
            }
        }
        _ => page(vec![], None, Some(t.t("import-kind-missing"))),
    }
}

pub struct CalendarRow {
    pub number: i32,
    pub name: String,
    pub starts: String,
    pub ends: String,
}

#[derive(Template)]
#[template(path = "admin/season.html")]
struct SeasonPage {
    l: Layout,
    title: Option<String>,
    current: i32,
    current_name: String,
    steps: Vec<StepView>,
    calendar: Vec<CalendarRow>,
    error: Option<String>,
    can_advance: bool,
    can_go_back: bool,
}

async fn season_page_with(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
) -> AppResult<Response> {
    let street = admin_street(state, ctx).await?;
    let t = ctx.tr();
    let Some(s) = season::current(&state.db, street.id).await? else {
        return render(&SeasonPage {
            l: Layout::new(ctx),
            title: None,
            current: 0,
            current_name: String::new(),
            steps: vec![],
            calendar: vec![],
            error,
            can_advance: false,
            can_go_back: false,
        });
    };
    let planned = season::steps(&state.db, s.id).await?;
    let calendar = planned
        .iter()
        .filter_map(|p| {
            let step = Step::from_number(p.step)?;
            Some(CalendarRow {
                number: p.step,
                name: t.t(&format!("step-{}", step.key())),
                starts: p.starts.map(|d| d.to_string()).unwrap_or_default(),
                ends: p.ends.map(|d| d.to_string()).unwrap_or_default(),
            })
        })
        .collect();
    let step = Step::from_number(s.current_step).ok_or(AppError::NotFound)?;
    let failed = error.is_some();
    let r = render(&SeasonPage {
        l: Layout::new(ctx),
        steps: step_views(state, t, &s).await?,
        title: Some(s.title),
        current: step.number(),
        current_name: t.t(&format!("step-{}", step.key())),
        calendar,
        error,
        can_advance: step.next().is_some(),
        can_go_back: step.previous().is_some(),
    })?;
    Ok(if failed { unprocessable(r) } else { r })
}

async fn season_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    season_page_with(&state, &ctx, None).await
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    expected: String,
    #[serde(default)]
    reason: String,
}

fn season_error(t: Tr, e: ChangeError) -> AppResult<String> {
    match e {
        ChangeError::Rule(rule) => Ok(match rule {
            SeasonError::EndsBeforeStart(n) | SeasonError::OutOfOrder(n) => {
                t.t1(rule.message_id(), "step", n)
            }
            other => t.t(other.message_id()),
        }),
        ChangeError::Store(StoreError::Conflict) => Ok(t.t("err-season-changed")),
        ChangeError::Store(e) => Err(e.into()),
    }
}

async fn change_step(
    state: &AppState,
    ctx: &Ctx,
    form: &StepForm,
    back: bool,
) -> AppResult<Response> {
    let street = admin_street(state, ctx).await?;
    ctx.require(Action::SteerSeason {
        street_id: street.id,
    })?;
    let s = season::current(&state.db, street.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let t = ctx.tr();
    let Some(expected) = form
        .expected
        .trim()
        .parse()
        .ok()
        .and_then(Step::from_number)
    else {
        return season_page_with(state, ctx, Some(t.t("err-season-changed"))).await;
    };
    let reason = back.then_some(form.reason.as_str());
    match season::change_step(&state.db, ctx.viewer()?.account_id, s.id, expected, reason).await {
        Ok(_) => Ok(Redirect::to("/admin/season").into_response()),
        Err(e) => {
            let message = season_error(t, e)?;
            season_page_with(state, ctx, Some(message)).await
        }
    }
}

#[derive(Deserialize)]
struct OpenForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
}

/// Opens a new season for the street, at its first step (baseline survey).
async fn open_season(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<OpenForm>,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    ctx.require(Action::SteerSeason {
        street_id: street.id,
    })?;
    let t = ctx.tr();
    let Ok(year) = form.year.trim().parse::<i32>() else {
        return season_page_with(&state, &ctx, Some(t.t("err-season-year"))).await;
    };
    match season::create(
        &state.db,
        Some(ctx.viewer()?.account_id),
        street.id,
        year,
        &form.title,
        Step::BaselineSurvey,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/season").into_response()),
        Err(ChangeError::Store(StoreError::Conflict)) => {
            season_page_with(&state, &ctx, Some(t.t("err-season-exists"))).await
        }
        Err(e) => {
            let message = season_error(t, e)?;
            season_page_with(&state, &ctx, Some(message)).await
        }
    }
}

async fn advance_season(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    change_step(&state, &ctx, &form, false).await
}

async fn move_season_back(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    change_step(&state, &ctx, &form, true).await
}

async fn set_calendar(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    ctx.require(Action::SteerSeason {
        street_id: street.id,
    })?;
    let s = season::current(&state.db, street.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let t = ctx.tr();
    let mut plan = Vec::new();
    for step in Step::ALL {
        let n = step.number();
        let date = |key: String| {
            form.get(&key)
                .and_then(|v| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok())
        };
        match (date(format!("starts_{n}")), date(format!("ends_{n}"))) {
            (Some(starts), Some(ends)) => plan.push(PlannedStep { step, starts, ends }),
            _ => {
                let message = t.t1("err-season-date", "step", n);
                return season_page_with(&state, &ctx, Some(message)).await;
            }
        }
    }
    match season::set_calendar(&state.db, ctx.viewer()?.account_id, s.id, &plan).await {
        Ok(()) => Ok(Redirect::to("/admin/season").into_response()),
        Err(e) => {
            let message = season_error(t, e)?;
            season_page_with(&state, &ctx, Some(message)).await
        }
    }
}

pub struct HolderRow {
    pub name: String,
    pub role: String,
    pub scope: String,
}

pub struct ScopeOption {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin/roles.html")]
struct RolesPage {
    l: Layout,
    holders: Vec<HolderRow>,
    scopes: Vec<ScopeOption>,
    error: Option<String>,
    done: bool,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn roles_page_with(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    done: bool,
) -> AppResult<Response> {
    let street = admin_street(state, ctx).await?;
    let t = ctx.tr();
    let communities = org::communities(&state.db, street.id).await?;
    let organisations = org::organisations(&state.db, street.id).await?;
    let mut holders = Vec::new();
    let mut scopes = vec![ScopeOption {
        value: format!("street_admin:{}", street.id),
        label: format!("{} · {}", t.t("role-street_admin"), street.name),
    }];
    for a in accounts::holders(
        &state.db,
        Grant::StreetAdmin {
            street_id: street.id,
        },
    )
    .await?
    {
        holders.push(HolderRow {
            name: a.display_name,
            role: t.t("role-street_admin"),
            scope: street.name.clone(),
        });
    }
    for c in &communities {
        scopes.push(ScopeOption {
            value: format!("coordinator:{}", c.id),
            label: format!("{} · {}", t.t("role-coordinator"), c.name),
        });
        for a in accounts::holders(&state.db, Grant::Coordinator { community_id: c.id }).await? {
            holders.push(HolderRow {
                name: a.display_name,
                role: t.t("role-coordinator"),
                scope: c.name.clone(),
            });
        }
    }
    for o in organisations
        .iter()
        .filter(|o| o.kind == OrgKind::SocialOrg.key())
    {
        scopes.push(ScopeOption {
            value: format!("social_worker:{}", o.id),
            label: format!("{} · {}", t.t("role-social_worker"), o.name),
        });
        for a in accounts::holders(&state.db, Grant::SocialWorker { org_id: o.id }).await? {
            holders.push(HolderRow {
                name: a.display_name,
                role: t.t("role-social_worker"),
                scope: o.name.clone(),
            });
        }
    }
    let failed = error.is_some();
    let r = render(&RolesPage {
        l: Layout::new(ctx),
        holders,
        scopes,
        error,
        done,
    })?;
    Ok(if failed { unprocessable(r) } else { r })
}

async fn roles_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    roles_page_with(&state, &ctx, None, q.done.is_some()).await
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    scope: String,
}

/// Gives a registered person a role in this street, found by their mobile number.
async fn grant_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<GrantForm>,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    ctx.require(Action::GrantRoles {
        street_id: street.id,
    })?;
    let t = ctx.tr();
    let phone = match Phone::parse(&form.phone) {
        Ok(p) => p,
        Err(e) => return roles_page_with(&state, &ctx, Some(t.t(e.message_id())), false).await,
    };
    let Some(account) = accounts::by_phone(&state.db, &phone).await? else {
        return roles_page_with(&state, &ctx, Some(t.t("err-phone-not-registered")), false).await;
    };
    // The scope must belong to this street, whatever the form says.
    let grant = form
        .scope
        .split_once(':')
        .and_then(|(role, id)| Grant::from_parts(Role::from_key(role)?, id.parse().ok()?));
    let in_street = match grant {
        Some(Grant::StreetAdmin { street_id }) => street_id == street.id,
        Some(Grant::Coordinator { community_id }) => org::community(&state.db, community_id)
            .await
            .is_ok_and(|c| c.street_id == street.id),
        Some(Grant::SocialWorker { org_id }) => org::organisation(&state.db, org_id)
            .await
            .is_ok_and(|o| o.street_id == street.id && o.kind == OrgKind::SocialOrg.key()),
        None => false,
    };
    let Some(grant) = grant.filter(|_| in_street) else {
        return roles_page_with(&state, &ctx, Some(t.t("err-role-scope")), false).await;
    };
    match accounts::grant(
        &state.db,
        Some(ctx.viewer()?.account_id),
        street.id,
        account.id,
        grant,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/admin/roles?done=1").into_response()),
        Err(StoreError::Conflict) => {
            roles_page_with(&state, &ctx, Some(t.t("err-role-held")), false).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// What the entry recorded before and after, field by field.
    pub before: Vec<(String, String)>,
    pub after: Vec<(String, String)>,
}

/// An audit entry's JSON as a list a person reads: one line per field, strings without
/// quotes, true/false as 是/否, nested values compact. Text that is not a JSON object is shown
/// whole on one line.
fn audit_fields(t: Tr, json: Option<&str>) -> Vec<(String, String)> {
    let Some(json) = json.filter(|j| !j.is_empty()) else {
        return Vec::new();
    };
    let value = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => t.t(if *b { "audit-yes" } else { "audit-no" }),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    };
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(map)) => {
            map.iter().map(|(k, v)| (k.clone(), value(v))).collect()
        }
        Ok(other) => vec![(String::new(), value(&other))],
        Err(_) => vec![(String::new(), json.to_owned())],
    }
}

pub struct ActionOption {
    pub key: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditRow>,
    actions: Vec<ActionOption>,
    from: String,
    to: String,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct AuditQuery {
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

/// The street's audit log, filtered by action and dates.
async fn audit_log(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let street = admin_street(&state, &ctx).await?;
    ctx.require(Action::ReadAudit {
        street_id: street.id,
    })?;
    let t = ctx.tr();
    let mut error = None;
    let action = q.action.as_deref().filter(|a| !a.is_empty()).and_then(|a| {
        let found = AuditAction::from_key(a);
        if found.is_none() {
            error = Some(t.t("err-audit-filter"));
        }
        found
    });
    let day = |raw: &Option<String>, end: bool| -> Result<Option<i64>, ()> {
        match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => {
                let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ())?;
                let time = if end {
                    d.and_hms_milli_opt(23, 59, 59, 999)
                } else {
                    d.and_hms_opt(0, 0, 0)
                };
                // Dates are Beijing dates.
                Ok(time.map(|t| t.and_utc().timestamp_millis() - 8 * 3600 * 1000))
            }
        }
    };
    let from_ms = day(&q.from, false).unwrap_or_else(|_| {
        error = Some(t.t("err-audit-filter"));
        None
    });
    let to_ms = day(&q.to, true).unwrap_or_else(|_| {
        error = Some(t.t("err-audit-filter"));
        None
    });
    let page: u64 = q
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
        .min(100_000);
    let filter = audit::Filter {
        action,
        actor_id: None,
        from_ms,
        to_ms,
    };
    let (rows, total) = audit::list(&state.db, street.id, &filter, page).await?;
    let rows = rows
        .into_iter()
        .map(|r| AuditRow {
            at: beijing_time(r.at),
            actor: r.actor_name.unwrap_or_else(|| t.t("audit-system")),
            action: AuditAction::from_key(&r.action)
                .map(|a| t.t(&a.message_id()))
                .unwrap_or(r.action),
            subject: r.subject,
            before: audit_fields(t, r.before.as_deref()),
            after: audit_fields(t, r.after.as_deref()),
        })
        .collect();
    let query = format!(
        "action={}&from={}&to={}",
        crate::ctx::urlencode(q.action.as_deref().unwrap_or("")),
        crate::ctx::urlencode(q.from.as_deref().unwrap_or("")),
        crate::ctx::urlencode(q.to.as_deref().unwrap_or(""))
    );
    render(&AuditPage {
        l: Layout::new(&ctx),
        rows,
        actions: AuditAction::ALL
            .iter()
            .map(|a| ActionOption {
                key: a.key(),
                label: t.t(&a.message_id()),
                selected: Some(*a) == action,
            })
            .collect(),
        from: q.from.unwrap_or_default().chars().take(10).collect(),
        to: q.to.unwrap_or_default().chars().take(10).collect(),
        total,
        page,
        pages: total.div_ceil(audit::PAGE_SIZE),
        query,
        error,
    })
}
