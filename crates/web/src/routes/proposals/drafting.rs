//! Revising a proposal, every save a new version, and comparing two versions.

use super::reading::{NoteView, notes_by_section};
use super::{ask, back_to, guarantee_labels, load, problem_text, unprocessable};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::pages::{Layout, Pairs, field, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use chuangxiang_domain::proposals::{Content, DraftInput, Proposal, Section, yuan};
use chuangxiang_store::{StoreError, accounts, proposals};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/proposals/{id}", axum::routing::post(save))
        .route("/proposals/{id}/edit", get(edit_form))
        .route("/proposals/{id}/compare", get(compare))
}

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
    p: &'a Proposal,
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
        .unwrap_or_else(|_| yuan(e.p.content.total()));
    let notes = proposals::notes(&state.db, e.p.id).await?;
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
        id: e.p.id,
        base: e.base,
        input,
        steps,
        lines,
        total,
        cap: e.p.season.cap.map(|c| yuan(c.amount())),
        errors: e.errors,
        theirs: e.theirs,
        notes: by_section,
    })?;
    Ok(if failed { unprocessable(r) } else { r })
}

/// The edit form, filled with the latest version.
async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = load(&state, &ctx, &id).await?;
    if let Err(e) = ask(p.may_edit(ctx.actor()))? {
        return Ok(back_to(p.id, e.message_id()));
    }
    edit_page(
        &state,
        &ctx,
        EditState {
            p: &p,
            base: p.version,
            input: input_of(&p.title, &p.content),
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
    let p = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    if let Err(e) = ask(p.may_edit(ctx.actor()))? {
        return Ok(back_to(p.id, e.message_id()));
    }
    let input = input_from(&form);
    let base: i32 = field(&form, "base").trim().parse().unwrap_or(0);
    if !field(&form, "more").is_empty() {
        return edit_page(
            &state,
            &ctx,
            EditState {
                p: &p,
                base,
                input,
                extra_rows: 5,
                errors: vec![],
                theirs: vec![],
            },
        )
        .await;
    }
    let (title, content) = match p.check_revision(&input) {
        Ok(ok) => ok,
        Err(problems) => {
            let errors = problems.into_iter().map(|e| problem_text(t, e)).collect();
            return edit_page(
                &state,
                &ctx,
                EditState {
                    p: &p,
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
    if !p.is_current(base) {
        return conflict(&state, &ctx, &p, base, input).await;
    }
    match proposals::revise(
        &state.db,
        proposals::Revision {
            id: p.id,
            street_id: p.community.street_id,
            base,
            by: ctx.viewer()?.account_id,
            title: &title,
            content: &content,
        },
    )
    .await
    {
        Ok(_) => Ok(back_to(p.id, "saved")),
        // Someone saved between our reading and our writing: the store's conditional update
        // refused this one.
        Err(StoreError::Conflict) => {
            let now = proposals::load(&state.db, p.id).await?;
            conflict(&state, &ctx, &now, base, input).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form again (409) with the person's text kept, the sections others changed since version
/// `base` shown, and the latest version as the new base.
async fn conflict(
    state: &AppState,
    ctx: &Ctx,
    now: &Proposal,
    base: i32,
    input: DraftInput,
) -> AppResult<Response> {
    let t = ctx.tr();
    let from = match proposals::version(&state.db, now.id, base).await {
        Ok(v) => proposals::content_of(&v.content)?,
        Err(StoreError::NotFound) => Content::default(),
        Err(e) => return Err(e.into()),
    };
    let labels = guarantee_labels(t);
    let labels = [labels[0].as_str(), labels[1].as_str(), labels[2].as_str()];
    let theirs = from
        .changed_sections(&now.content)
        .into_iter()
        .map(|s| Theirs {
            heading: t.t(&s.message_id()),
            text: now.content.section_text(s, labels),
        })
        .collect();
    edit_page(
        state,
        ctx,
        EditState {
            p: now,
            base: now.version,
            input,
            extra_rows: 0,
            errors: vec![t.t(now.stale_save().message_id())],
            theirs,
        },
    )
    .await
    .map(|mut r| {
        *r.status_mut() = StatusCode::CONFLICT;
        r
    })
}

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
    let p = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let latest = p.version;
    let pick = |raw: &Option<String>, default: i32| {
        raw.as_deref()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .filter(|v| (1..=latest).contains(v))
            .unwrap_or(default)
    };
    let b = pick(&q.b, latest);
    let a = pick(&q.a, (b - 1).max(1));
    let va = proposals::version(&state.db, p.id, a).await?;
    let vb = proposals::version(&state.db, p.id, b).await?;
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
        id: p.id,
        title: p.title,
        a,
        b,
        numbers: (1..=latest).rev().collect(),
        sides,
    })
}
