//! Proposals (step 4): starting one from accepted ideas, the team, revising with every version
//! kept, coaching notes, comparing versions, the coach's sign-off, the street's shortlist, and
//! the printable 提案书.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Layout, Pairs, all_of, beijing_time, field, parse_id, render};
use crate::routes::ideas::{Choice, current_season};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chuangxiang_domain::account::Phone;
use chuangxiang_domain::ideas::Status as IdeaStatus;
use chuangxiang_domain::policy::{Action, CommunityRef, ProposalRef, TeamRole};
use chuangxiang_domain::proposals::{
    self as rules, Checklist, Content, DraftInput, ProposalError, Section, Status, yuan,
};
use chuangxiang_domain::season::Step;
use chuangxiang_store::{StoreError, accounts, ideas, org, proposals, season};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals", get(list).post(create))
        .route("/proposals/new", get(new_form))
        .route("/proposals/shortlist", post(shortlist))
        .route("/proposals/{id}", get(detail).post(save))
        .route("/proposals/{id}/edit", get(edit_form))
        .route("/proposals/{id}/compare", get(compare))
        .route("/proposals/{id}/print", get(print))
        .route("/proposals/{id}/invite", post(invite))
        .route("/proposals/{id}/invitation", post(answer_invitation))
        .route("/proposals/{id}/notes", post(add_note))
        .route("/proposals/{id}/sign-off", post(sign_off))
}

/// The season's cap on one proposal's budget.
fn cap_of(s: &season::Season) -> Option<Decimal> {
    s.budget_cap
        .as_deref()
        .and_then(|c| Decimal::from_str_exact(c).ok())
}

/// A proposal with everything needed to decide who may do what with it.
struct Loaded {
    p: proposals::Proposal,
    community: org::Community,
    season: season::Season,
    step: Step,
    status: Status,
    team: Vec<proposals::Member>,
    r: ProposalRef,
}

/// Loads a proposal the viewer may read, or answers 404/403/login.
async fn load(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<Loaded> {
    let p = proposals::get(&state.db, parse_id(raw)?).await?;
    let community = org::community(&state.db, p.community_id).await?;
    let season = season::by_id(&state.db, p.season_id).await?;
    let step = Step::from_number(season.current_step).ok_or(AppError::NotFound)?;
    let status = Status::from_key(&p.status).ok_or(AppError::NotFound)?;
    let team = proposals::team(&state.db, p.id).await?;
    let viewer = ctx.viewer.as_ref().map(|v| v.account_id);
    let r = ProposalRef {
        community: CommunityRef {
            community_id: community.id,
            street_id: community.street_id,
        },
        coach_org: proposals::coach_of(&state.db, p.season_id, p.community_id).await?,
        team: team
            .iter()
            .find(|m| Some(m.account_id) == viewer)
            .and_then(proposals::role),
        public: status.is_public(),
    };
    ctx.require(Action::ReadProposal(r))?;
    Ok(Loaded {
        p,
        community,
        season,
        step,
        status,
        team,
        r,
    })
}

fn back_to(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("/proposals/{id}?notice={notice}")).into_response()
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

fn problem_text(t: Tr, e: ProposalError) -> String {
    match e.row() {
        Some(row) => t.t1(e.message_id(), "row", row),
        None => t.t(e.message_id()),
    }
}

// ---------------------------------------------------------------------------------------------
// Lists

pub struct ProposalCard {
    pub id: i64,
    pub title: String,
    pub community: String,
    pub status: String,
    pub budget: String,
    pub when: String,
    pub ready: bool,
}

#[derive(Template)]
#[template(path = "proposals/list.html")]
struct ListPage {
    l: Layout,
    season: String,
    drafting: bool,
    mine: Vec<ProposalCard>,
    coaching: Vec<ProposalCard>,
    staff: Vec<ProposalCard>,
    can_shortlist: bool,
    public: Vec<ProposalCard>,
    notice: Option<String>,
}

fn proposal_cards(
    t: Tr,
    rows: Vec<proposals::Proposal>,
    communities: &HashMap<i64, String>,
) -> Vec<ProposalCard> {
    rows.into_iter()
        .map(|p| ProposalCard {
            community: communities
                .get(&p.community_id)
                .cloned()
                .unwrap_or_default(),
            status: t.t(&format!("proposal-status-{}", p.status)),
            ready: p.status == Status::Ready.key(),
            budget: p.budget_total,
            when: beijing_time(p.updated_at),
            title: p.title,
            id: p.id,
        })
        .collect()
}

/// The public list shows the latest this many shortlisted proposals; a street shortlists a few
/// dozen, and the export has them all.
const PUBLIC_LIST: u64 = 100;

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// What a redirect may say was done (`proposal-notice-<key>`; `shortlisted` carries a count):
/// a fixed list, so a link cannot put words on the page.
pub const NOTICES: [&str; 8] = [
    "saved",
    "created",
    "invited",
    "joined",
    "declined",
    "noted",
    "signed-off",
    "shortlisted",
];

fn notice_text(t: Tr, raw: Option<&str>) -> Option<String> {
    let n = raw?;
    if NOTICES.contains(&n) || n.starts_with("shortlisted") {
        let (key, count) = n.split_once(':').unwrap_or((n, "0"));
        return Some(t.t1(
            &format!("proposal-notice-{key}"),
            "count",
            count.parse::<u64>().unwrap_or(0),
        ));
    }
    ProposalError::ALL
        .iter()
        .map(|e| e.message_id())
        .find(|id| *id == n)
        .map(|id| t.t(id))
}

/// Proposals: the public shortlist, and for a logged-in person those they are on, coach, or
/// look after as staff.
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    ctx.require(Action::ReadPublic)?;
    let t = ctx.tr();
    // The street, season and names, and the public shortlist, come from the one-second public
    // cache: anonymous visitors are most of this page's readers.
    let frame = state.public.wall_frame(&state.db).await?;
    let frame = frame.as_ref().as_ref().ok_or(AppError::NotFound)?;
    let (street, s) = (&frame.street, &frame.season);
    let communities: HashMap<i64, String> = frame
        .communities
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let base = proposals::ListQuery {
        season_id: s.id,
        ..proposals::ListQuery::default()
    };
    let public = state
        .public
        .shortlist(&state.db, s.id, PUBLIC_LIST)
        .await?
        .1
        .clone();
    let (mut mine, mut coaching, mut staff) = (vec![], vec![], vec![]);
    let mut can_shortlist = false;
    if let Some(v) = &ctx.viewer {
        mine = proposals::list(
            &state.db,
            &proposals::ListQuery {
                member: Some(v.account_id),
                ..base.clone()
            },
        )
        .await?;
        let orgs = ctx.organisations();
        if !orgs.is_empty() {
            let coached: Vec<i64> = proposals::coaching(&state.db, s.id)
                .await?
                .into_iter()
                .filter(|c| orgs.contains(&c.organisation_id))
                .map(|c| c.community_id)
                .collect();
            coaching = proposals::list(
                &state.db,
                &proposals::ListQuery {
                    communities: Some(coached),
                    ..base.clone()
                },
            )
            .await?;
        }
        if ctx
            .require(Action::ShortlistProposals {
                street_id: street.id,
            })
            .is_ok()
        {
            can_shortlist = true;
            staff = proposals::list(&state.db, &base).await?;
        } else {
            let coordinated = ctx.coordinated_communities();
            if !coordinated.is_empty() {
                staff = proposals::list(
                    &state.db,
                    &proposals::ListQuery {
                        communities: Some(coordinated),
                        ..base.clone()
                    },
                )
                .await?;
            }
        }
    }
    render(&ListPage {
        l: Layout::new(&ctx),
        season: s.title.clone(),
        drafting: s.current_step == Step::ProposalDrafting.number(),
        mine: proposal_cards(t, mine, &communities),
        coaching: proposal_cards(t, coaching, &communities),
        staff: proposal_cards(t, staff, &communities),
        can_shortlist,
        public: proposal_cards(t, public, &communities),
        notice: notice_text(t, q.notice.as_deref()),
    })
}

// ---------------------------------------------------------------------------------------------
// Starting a proposal

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
    let mut picked = Vec::new();
    for id in &chosen {
        match ideas::get(&state.db, *id).await {
            Ok(i) => picked.push(i),
            Err(StoreError::NotFound) => problems.push(ProposalError::BadIdea),
            Err(e) => return Err(e.into()),
        }
    }
    if picked.is_empty() {
        problems.push(ProposalError::NoIdea);
    }
    let community_id = picked.first().map(|i| i.community_id);
    if picked.iter().any(|i| {
        i.season_id != s.id
            || i.status != IdeaStatus::Accepted.key()
            || Some(i.community_id) != community_id
    }) {
        problems.push(ProposalError::BadIdea);
    }
    let categories = ideas::categories(&state.db, s.id).await?;
    let category = category.filter(|c| categories.iter().any(|x| x.id == *c));
    let mut errors: Vec<String> = Vec::new();
    let input = DraftInput {
        title: title.to_owned(),
        background: picked
            .iter()
            .map(|i| format!("{}：{}", i.title, i.description))
            .collect::<Vec<_>>()
            .join("\n\n"),
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

// ---------------------------------------------------------------------------------------------
// Reading a proposal

pub struct SectionView {
    pub key: &'static str,
    pub heading: String,
    pub text: String,
    pub notes: Vec<NoteView>,
}

pub struct NoteView {
    pub author: String,
    pub body: String,
    pub when: String,
    pub version: i32,
}

pub struct StepView {
    pub date: String,
    pub activity: String,
}

pub struct LineView {
    pub item: String,
    pub unit: String,
    pub quantity: String,
    pub price: String,
    pub total: String,
}

pub struct MemberView {
    pub name: String,
    pub role: String,
}

pub struct VersionView {
    pub number: i32,
    pub by: String,
    pub when: String,
}

/// What both the page and the printed 提案书 show.
struct Body {
    background: String,
    goals: String,
    methods: String,
    steps: Vec<StepView>,
    lines: Vec<LineView>,
    total: String,
    partners: String,
    resources: String,
    risks: String,
    beneficiaries: String,
    sustainability: String,
}

fn body_of(c: &Content) -> Body {
    Body {
        background: c.background.clone(),
        goals: c.goals.clone(),
        methods: c.methods.clone(),
        steps: c
            .steps
            .iter()
            .map(|s| StepView {
                date: s.date.to_string(),
                activity: s.activity.clone(),
            })
            .collect(),
        lines: c
            .budget
            .iter()
            .map(|l| LineView {
                item: l.item.clone(),
                unit: l.unit.clone(),
                quantity: l.quantity.normalize().to_string(),
                price: yuan(l.unit_price),
                total: yuan(l.total()),
            })
            .collect(),
        total: yuan(c.total()),
        partners: c.partners.clone(),
        resources: c.resources.clone(),
        risks: c.risks.clone(),
        beneficiaries: c.beneficiaries.clone(),
        sustainability: c.sustainability.clone(),
    }
}

/// Coaching notes grouped under the sections they are about, in the 提案书's order.
fn notes_by_section(
    t: Tr,
    notes: &[proposals::Note],
    names: &HashMap<i64, String>,
) -> Vec<(String, Vec<NoteView>)> {
    Section::ALL
        .into_iter()
        .filter_map(|section| {
            let these: Vec<NoteView> = notes
                .iter()
                .filter(|n| n.section == section.key())
                .map(|n| NoteView {
                    author: names.get(&n.author_id).cloned().unwrap_or_default(),
                    body: n.body.clone(),
                    when: beijing_time(n.created_at),
                    version: n.version,
                })
                .collect();
            (!these.is_empty()).then(|| (t.t(&section.message_id()), these))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "proposals/detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    title: String,
    community: String,
    category: String,
    status: String,
    version: i32,
    b: Body,
    notes: Vec<(String, Vec<NoteView>)>,
    ideas: Vec<(i64, String)>,
    team: Vec<MemberView>,
    versions: Vec<VersionView>,
    missing: Vec<String>,
    can_edit: bool,
    can_invite: bool,
    invited: bool,
    can_note: bool,
    can_sign_off: bool,
    checklist: Vec<(&'static str, String)>,
    sections: Vec<(&'static str, String)>,
    ready_version: Option<i32>,
    notice: Option<String>,
}

async fn category_name(state: &AppState, season_id: i64, id: i64) -> AppResult<String> {
    Ok(ideas::categories(&state.db, season_id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.name)
        .unwrap_or_default())
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let content = proposals::content_of(&x.p.content)?;
    let notes = proposals::notes(&state.db, x.p.id).await?;
    let versions = proposals::versions(&state.db, x.p.id).await?;
    let mut people: Vec<i64> = x.team.iter().map(|m| m.account_id).collect();
    people.extend(notes.iter().map(|n| n.author_id));
    people.extend(versions.iter().map(|v| v.1));
    let names = accounts::names(&state.db, &people).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let by_section = notes_by_section(t, &notes, &names);
    let editable = rules::check_edit(x.step, Some(x.status)).is_ok();
    let can_edit = editable && ctx.require(Action::EditProposal(x.r)).is_ok();
    let can_sign_off =
        x.status == Status::Draft && editable && ctx.require(Action::SignOffProposal(x.r)).is_ok();
    render(&DetailPage {
        l: Layout::new(&ctx),
        id: x.p.id,
        community: x.community.name.clone(),
        category: category_name(&state, x.p.season_id, x.p.category_id).await?,
        status: t.t(&format!("proposal-status-{}", x.status.key())),
        version: x.p.version,
        b: body_of(&content),
        notes: by_section,
        ideas: proposals::ideas(&state.db, x.p.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i.title))
            .collect(),
        team: x
            .team
            .iter()
            .map(|m| MemberView {
                name: name(m.account_id),
                role: t.t(&format!("proposal-team-{}", m.status)),
            })
            .collect(),
        versions: versions
            .iter()
            .rev()
            .map(|(number, by, at)| VersionView {
                number: *number,
                by: name(*by),
                when: beijing_time(*at),
            })
            .collect(),
        missing: content
            .missing()
            .into_iter()
            .map(|s| t.t(&s.message_id()))
            .collect(),
        can_edit,
        can_invite: can_edit && x.team.len() < rules::TEAM_MAX,
        invited: x.r.team == Some(TeamRole::Invited) && editable,
        can_note: editable && ctx.require(Action::CoachProposal(x.r)).is_ok(),
        can_sign_off,
        checklist: Checklist::KEYS
            .iter()
            .map(|k| (*k, t.t(&format!("checklist-{k}"))))
            .collect(),
        sections: Section::ALL
            .iter()
            .map(|s| (s.key(), t.t(&s.message_id())))
            .collect(),
        ready_version: x.p.ready_version,
        notice: notice_text(t, q.notice.as_deref()),
        title: x.p.title,
    })
}

// ---------------------------------------------------------------------------------------------
// Revising

pub struct StepRow {
    pub n: usize,
    pub date: String,
    pub activity: String,
}

pub struct LineRow {
    pub n: usize,
    pub item: String,
    pub unit: String,
    pub quantity: String,
    pub price: String,
}

/// A section someone else changed while this person was editing.
pub struct Theirs {
    pub heading: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "proposals/edit.html")]
struct EditPage {
    l: Layout,
    id: i64,
    base: i32,
    input: DraftInput,
    steps: Vec<StepRow>,
    lines: Vec<LineRow>,
    total: String,
    cap: Option<String>,
    errors: Vec<String>,
    theirs: Vec<Theirs>,
    notes: Vec<(String, Vec<NoteView>)>,
}

fn input_of(title: &str, c: &Content) -> DraftInput {
    DraftInput {
        title: title.to_owned(),
        background: c.background.clone(),
        goals: c.goals.clone(),
        methods: c.methods.clone(),
        steps: c
            .steps
            .iter()
            .map(|s| (s.date.to_string(), s.activity.clone()))
            .collect(),
        budget: c
            .budget
            .iter()
            .map(|l| {
                (
                    l.item.clone(),
                    l.unit.clone(),
                    l.quantity.normalize().to_string(),
                    l.unit_price.normalize().to_string(),
                )
            })
            .collect(),
        partners: c.partners.clone(),
        resources: c.resources.clone(),
        risks: c.risks.clone(),
        beneficiaries: c.beneficiaries.clone(),
        sustainability: c.sustainability.clone(),
    }
}

/// Most rows a form may post; more are ignored (the domain refuses over 30 steps / 50 lines).
const ROWS_MAX: usize = 60;

fn input_from(pairs: &Pairs) -> DraftInput {
    let rows = |prefix: &str| {
        (1..=ROWS_MAX)
            .take_while(|i| pairs.iter().any(|(k, _)| k == &format!("{prefix}{i}")))
            .count()
    };
    DraftInput {
        title: field(pairs, "title").to_owned(),
        background: field(pairs, "background").to_owned(),
        goals: field(pairs, "goals").to_owned(),
        methods: field(pairs, "methods").to_owned(),
        steps: (1..=rows("step_date_"))
            .map(|i| {
                (
                    field(pairs, &format!("step_date_{i}")).to_owned(),
                    field(pairs, &format!("step_activity_{i}")).to_owned(),
                )
            })
            .collect(),
        budget: (1..=rows("line_item_"))
            .map(|i| {
                (
                    field(pairs, &format!("line_item_{i}")).to_owned(),
                    field(pairs, &format!("line_unit_{i}")).to_owned(),
                    field(pairs, &format!("line_quantity_{i}")).to_owned(),
                    field(pairs, &format!("line_price_{i}")).to_owned(),
                )
            })
            .collect(),
        partners: field(pairs, "partners").to_owned(),
        resources: field(pairs, "resources").to_owned(),
        risks: field(pairs, "risks").to_owned(),
        beneficiaries: field(pairs, "beneficiaries").to_owned(),
        sustainability: field(pairs, "sustainability").to_owned(),
    }
}

struct EditState<'a> {
    x: &'a Loaded,
    base: i32,
    input: DraftInput,
    extra_rows: usize,
    errors: Vec<String>,
    theirs: Vec<Theirs>,
}

async fn edit_page(state: &AppState, ctx: &Ctx, e: EditState<'_>) -> AppResult<Response> {
    let t = ctx.tr();
    let blank = 2 + e.extra_rows;
    let steps_len = e.input.steps.len() + blank;
    let lines_len = e.input.budget.len() + blank;
    let steps = (0..steps_len.min(ROWS_MAX))
        .map(|i| {
            let (date, activity) = e.input.steps.get(i).cloned().unwrap_or_default();
            StepRow {
                n: i + 1,
                date: date.chars().take(20).collect(),
                activity: activity.chars().take(250).collect(),
            }
        })
        .collect();
    let lines = (0..lines_len.min(ROWS_MAX))
        .map(|i| {
            let (item, unit, quantity, price) = e.input.budget.get(i).cloned().unwrap_or_default();
            LineRow {
                n: i + 1,
                item: item.chars().take(60).collect(),
                unit: unit.chars().take(20).collect(),
                quantity: quantity.chars().take(25).collect(),
                price: price.chars().take(25).collect(),
            }
        })
        .collect();
    let total = Content::parse(&e.input, None)
        .map(|(_, c)| yuan(c.total()))
        .unwrap_or_else(|_| e.x.p.budget_total.clone());
    let notes = proposals::notes(&state.db, e.x.p.id).await?;
    let names = accounts::names(
        &state.db,
        &notes.iter().map(|n| n.author_id).collect::<Vec<_>>(),
    )
    .await?;
    let by_section = notes_by_section(t, &notes, &names);
    let failed = !e.errors.is_empty();
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let input = DraftInput {
        title: clip(&e.input.title, 60),
        background: clip(&e.input.background, 3100),
        goals: clip(&e.input.goals, 3100),
        methods: clip(&e.input.methods, 3100),
        partners: clip(&e.input.partners, 3100),
        resources: clip(&e.input.resources, 3100),
        risks: clip(&e.input.risks, 3100),
        beneficiaries: clip(&e.input.beneficiaries, 3100),
        sustainability: clip(&e.input.sustainability, 3100),
        steps: vec![],
        budget: vec![],
    };
    let r = render(&EditPage {
        l: Layout::new(ctx),
        id: e.x.p.id,
        base: e.base,
        input,
        steps,
        lines,
        total,
        cap: cap_of(&e.x.season).map(yuan),
        errors: e.errors,
        theirs: e.theirs,
        notes: by_section,
    })?;
    Ok(if failed { unprocessable(r) } else { r })
}

/// Checks that the viewer may revise the proposal now.
fn may_edit(ctx: &Ctx, x: &Loaded) -> AppResult<Result<(), ProposalError>> {
    ctx.require(Action::EditProposal(x.r))?;
    Ok(rules::check_edit(x.step, Some(x.status)))
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    if let Err(e) = may_edit(&ctx, &x)? {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    let content = proposals::content_of(&x.p.content)?;
    edit_page(
        &state,
        &ctx,
        EditState {
            x: &x,
            base: x.p.version,
            input: input_of(&x.p.title, &content),
            extra_rows: 0,
            errors: vec![],
            theirs: vec![],
        },
    )
    .await
}

/// Saves a revision as a new version. If someone else saved since this person opened the form,
/// nothing is written: the form comes back with their text kept and the other person's changes
/// shown, to look over and save again.
async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    if let Err(e) = may_edit(&ctx, &x)? {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    let input = input_from(&form);
    let base: i32 = field(&form, "base").trim().parse().unwrap_or(0);
    if !field(&form, "more").is_empty() {
        return edit_page(
            &state,
            &ctx,
            EditState {
                x: &x,
                base,
                input,
                extra_rows: 5,
                errors: vec![],
                theirs: vec![],
            },
        )
        .await;
    }
    let (title, content) = match Content::parse(&input, cap_of(&x.season)) {
        Ok(ok) => ok,
        Err(problems) => {
            let errors = problems.into_iter().map(|e| problem_text(t, e)).collect();
            return edit_page(
                &state,
                &ctx,
                EditState {
                    x: &x,
                    base,
                    input,
                    extra_rows: 0,
                    errors,
                    theirs: vec![],
                },
            )
            .await;
        }
    };
    let viewer = ctx.viewer()?.account_id;
    match proposals::revise(
        &state.db,
        proposals::Revision {
            id: x.p.id,
            street_id: x.community.street_id,
            base,
            by: viewer,
            title: &title,
            content: &content,
        },
    )
    .await
    {
        Ok(_) => Ok(back_to(x.p.id, "saved")),
        Err(StoreError::Conflict) => {
            let now = proposals::get(&state.db, x.p.id).await?;
            let theirs_content = proposals::content_of(&now.content)?;
            let from = match proposals::version(&state.db, x.p.id, base).await {
                Ok(v) => proposals::content_of(&v.content)?,
                Err(StoreError::NotFound) => Content::default(),
                Err(e) => return Err(e.into()),
            };
            let labels = guarantee_labels(t);
            let labels = [labels[0].as_str(), labels[1].as_str(), labels[2].as_str()];
            let theirs = from
                .changed_sections(&theirs_content)
                .into_iter()
                .map(|s| Theirs {
                    heading: t.t(&s.message_id()),
                    text: theirs_content.section_text(s, labels),
                })
                .collect();
            let mut errors = vec![t.t(ProposalError::EditConflict.message_id())];
            if now.status == Status::Shortlisted.key() {
                errors = vec![t.t(ProposalError::Locked.message_id())];
            }
            let x = Loaded { p: now, ..x };
            edit_page(
                &state,
                &ctx,
                EditState {
                    base: x.p.version,
                    x: &x,
                    input,
                    extra_rows: 0,
                    errors,
                    theirs,
                },
            )
            .await
            .map(|mut r| {
                *r.status_mut() = StatusCode::CONFLICT;
                r
            })
        }
        Err(e) => Err(e.into()),
    }
}

fn guarantee_labels(t: Tr) -> [String; 3] {
    [
        t.t("proposal-field-partners"),
        t.t("proposal-field-resources"),
        t.t("proposal-field-risks"),
    ]
}

// ---------------------------------------------------------------------------------------------
// The team

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    phone: String,
}

/// Invites a registered person to the team by their mobile number.
async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    if let Err(e) = may_edit(&ctx, &x)? {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    if x.team.len() >= rules::TEAM_MAX {
        return Ok(back_to(x.p.id, ProposalError::TeamFull.message_id()));
    }
    let account = match Phone::parse(&form.phone) {
        Ok(phone) => accounts::by_phone(&state.db, &phone).await?,
        Err(_) => None,
    };
    let Some(account) = account else {
        return Ok(back_to(x.p.id, ProposalError::NoSuchAccount.message_id()));
    };
    let notice = match proposals::invite(
        &state.db,
        x.p.id,
        x.community.street_id,
        ctx.viewer()?.account_id,
        account.id,
    )
    .await
    {
        Ok(()) => "invited",
        Err(StoreError::Conflict) => ProposalError::AlreadyOnTeam.message_id(),
        Err(e) => return Err(e.into()),
    };
    Ok(back_to(x.p.id, notice))
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    answer: String,
}

async fn answer_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    ctx.require(Action::AnswerInvitation(x.r))?;
    // A shortlisted proposal's team is what the jury's recusals were computed from: it is frozen.
    if let Err(e) = rules::check_edit(x.step, Some(x.status)) {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    let accept = match form.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::NotFound),
    };
    match proposals::answer_invitation(
        &state.db,
        x.p.id,
        x.community.street_id,
        ctx.viewer()?.account_id,
        accept,
    )
    .await
    {
        Ok(()) if accept => Ok(back_to(x.p.id, "joined")),
        // Having declined, the person may no longer read a draft.
        Ok(()) => Ok(Redirect::to("/proposals?notice=declined").into_response()),
        Err(StoreError::Conflict) => Ok(back_to(x.p.id, "joined")),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Coaching

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    section: String,
    #[serde(default)]
    body: String,
}

async fn add_note(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    ctx.require(Action::CoachProposal(x.r))?;
    if let Err(e) = rules::check_edit(x.step, Some(x.status)) {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    let section = Section::from_key(&form.section).ok_or(AppError::NotFound)?;
    let body = match rules::check_note(&form.body) {
        Ok(b) => b,
        Err(e) => return Ok(back_to(x.p.id, e.message_id())),
    };
    proposals::add_note(
        &state.db,
        x.p.id,
        x.community.street_id,
        ctx.viewer()?.account_id,
        section.key(),
        &body,
    )
    .await?;
    Ok(back_to(x.p.id, "noted"))
}

/// The coach signs off the readiness checklist for the version they read.
async fn sign_off(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    ctx.require(Action::SignOffProposal(x.r))?;
    let checklist = Checklist::from_ticked(|k| !field(&form, k).is_empty());
    let version: i32 = field(&form, "version").trim().parse().unwrap_or(0);
    let content = proposals::content_of(&x.p.content)?;
    if let Err(e) = rules::sign_off(
        x.step,
        x.status,
        &content,
        proposals::joined(&x.team).len(),
        checklist,
    ) {
        return Ok(back_to(x.p.id, e.message_id()));
    }
    let notice = match proposals::sign_off(
        &state.db,
        x.p.id,
        x.community.street_id,
        ctx.viewer()?.account_id,
        version,
    )
    .await
    {
        Ok(()) => "signed-off",
        Err(StoreError::Conflict) => ProposalError::EditConflict.message_id(),
        Err(e) => return Err(e.into()),
    };
    Ok(back_to(x.p.id, notice))
}

/// The street admin shortlists ready proposals for the competition.
async fn shortlist(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (street, s) = current_season(&state).await?;
    ctx.require(Action::ShortlistProposals {
        street_id: street.id,
    })?;
    let step = Step::from_number(s.current_step).ok_or(AppError::NotFound)?;
    let mut ids = Vec::new();
    for raw in all_of(&form, "id").take(500) {
        let p = proposals::get(&state.db, parse_id(raw)?).await?;
        if p.season_id != s.id {
            return Err(AppError::NotFound);
        }
        let status = Status::from_key(&p.status).ok_or(AppError::NotFound)?;
        if let Err(e) = rules::shortlist(step, status) {
            return Ok(
                Redirect::to(&format!("/proposals?notice={}", e.message_id())).into_response(),
            );
        }
        ids.push(p.id);
    }
    let changed =
        proposals::shortlist(&state.db, &ids, street.id, ctx.viewer()?.account_id).await?;
    Ok(Redirect::to(&format!("/proposals?notice=shortlisted:{changed}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Versions and the printed 提案书

pub struct Side {
    pub heading: String,
    pub left: String,
    pub right: String,
    pub changed: bool,
}

#[derive(Template)]
#[template(path = "proposals/compare.html")]
struct ComparePage {
    l: Layout,
    id: i64,
    title: String,
    a: i32,
    b: i32,
    numbers: Vec<i32>,
    sides: Vec<Side>,
}

#[derive(Deserialize)]
struct CompareQuery {
    a: Option<String>,
    b: Option<String>,
}

/// Two versions side by side, section by section, the changed ones marked.
async fn compare(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let latest = x.p.version;
    let pick = |raw: &Option<String>, default: i32| {
        raw.as_deref()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .filter(|v| (1..=latest).contains(v))
            .unwrap_or(default)
    };
    let b = pick(&q.b, latest);
    let a = pick(&q.a, (b - 1).max(1));
    let va = proposals::version(&state.db, x.p.id, a).await?;
    let vb = proposals::version(&state.db, x.p.id, b).await?;
    let (ca, cb) = (
        proposals::content_of(&va.content)?,
        proposals::content_of(&vb.content)?,
    );
    let labels = guarantee_labels(t);
    let labels = [labels[0].as_str(), labels[1].as_str(), labels[2].as_str()];
    let mut sides = vec![Side {
        heading: t.t("proposal-field-title"),
        changed: va.title != vb.title,
        left: va.title,
        right: vb.title,
    }];
    sides.extend(Section::ALL.into_iter().map(|s| {
        let (left, right) = (ca.section_text(s, labels), cb.section_text(s, labels));
        Side {
            heading: t.t(&s.message_id()),
            changed: left != right,
            left,
            right,
        }
    }));
    render(&ComparePage {
        l: Layout::new(&ctx),
        id: x.p.id,
        title: x.p.title,
        a,
        b,
        numbers: (1..=latest).rev().collect(),
        sides,
    })
}

/// What the printed page's shared parts (`body.html`) need of a layout: only the language.
pub struct PrintLayout {
    pub t: Tr,
}

#[derive(Template)]
#[template(path = "proposals/print.html")]
struct PrintPage {
    l: PrintLayout,
    street: String,
    season: String,
    title: String,
    community: String,
    category: String,
    status: String,
    version: i32,
    team: Vec<String>,
    ideas: Vec<String>,
    b: Body,
    printed: String,
}

/// The 提案书 on A4: the proposal alone, in print order, without the site around it.
async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let x = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let content = proposals::content_of(&x.p.content)?;
    let joined = proposals::joined(&x.team);
    let names = accounts::names(&state.db, &joined).await?;
    render(&PrintPage {
        l: PrintLayout { t },
        street: org::street(&state.db, x.community.street_id).await?.name,
        season: x.season.title.clone(),
        community: x.community.name.clone(),
        category: category_name(&state, x.p.season_id, x.p.category_id).await?,
        status: t.t(&format!("proposal-status-{}", x.status.key())),
        version: x.p.version,
        team: joined
            .iter()
            .filter_map(|id| names.get(id).cloned())
            .collect(),
        ideas: proposals::ideas(&state.db, x.p.id)
            .await?
            .into_iter()
            .map(|i| i.title)
            .collect(),
        b: body_of(&content),
        printed: beijing_time(chuangxiang_store::now_ms()),
        title: x.p.title,
    })
}
