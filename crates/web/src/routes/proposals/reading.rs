//! Reading a proposal: its page, with notes, team, versions and what the viewer may do next;
//! the parts the page shares with the printed 提案书 and the edit form.

use super::{NoticeQuery, category_name, load, notice_text};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::pages::{Layout, beijing_time, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chuangxiang_domain::proposals::{Checklist, Content, Note, Section, role_key, yuan};
use chuangxiang_store::{accounts, org, proposals};
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/proposals/{id}", get(detail))
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
pub(super) struct Body {
    pub(super) background: String,
    pub(super) goals: String,
    pub(super) methods: String,
    pub(super) steps: Vec<StepView>,
    pub(super) lines: Vec<LineView>,
    pub(super) total: String,
    pub(super) partners: String,
    pub(super) resources: String,
    pub(super) risks: String,
    pub(super) beneficiaries: String,
    pub(super) sustainability: String,
}

pub(super) fn body_of(c: &Content) -> Body {
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
pub(super) fn notes_by_section(
    t: Tr,
    notes: &[Note],
    names: &HashMap<i64, String>,
) -> Vec<(String, Vec<NoteView>)> {
    Section::ALL
        .into_iter()
        .filter_map(|section| {
            let these: Vec<NoteView> = notes
                .iter()
                .filter(|n| n.section == section)
                .map(|n| NoteView {
                    author: names.get(&n.author_id).cloned().unwrap_or_default(),
                    body: n.body.clone(),
                    when: beijing_time(n.at),
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

/// A proposal's page: its text, notes, team and versions, and the forms the viewer may use.
async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let p = load(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let actor = ctx.actor();
    let notes = proposals::notes(&state.db, p.id).await?;
    let versions = proposals::versions(&state.db, p.id).await?;
    let mut people: Vec<i64> = p.team.iter().map(|m| m.account_id).collect();
    people.extend(notes.iter().map(|n| n.author_id));
    people.extend(versions.iter().map(|v| v.1));
    let names = accounts::names(&state.db, &people).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    render(&DetailPage {
        l: Layout::new(&ctx),
        id: p.id,
        community: org::community(&state.db, p.community.community_id)
            .await?
            .name,
        category: category_name(&state, p.season_id, p.category_id).await?,
        status: t.t(&format!("proposal-status-{}", p.status.key())),
        version: p.version,
        b: body_of(&p.content),
        notes: notes_by_section(t, &notes, &names),
        ideas: proposals::ideas(&state.db, p.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i.title))
            .collect(),
        team: p
            .team
            .iter()
            .map(|m| MemberView {
                name: name(m.account_id),
                role: t.t(&format!("proposal-team-{}", role_key(m.role))),
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
        missing: p
            .content
            .missing()
            .into_iter()
            .map(|s| t.t(&s.message_id()))
            .collect(),
        can_edit: p.may_edit(actor).is_ok(),
        can_invite: p.may_invite(actor).is_ok(),
        invited: p.may_answer(actor).is_ok(),
        can_note: p.may_coach(actor).is_ok(),
        can_sign_off: p.may_sign_off(actor).is_ok(),
        checklist: Checklist::KEYS
            .iter()
            .map(|k| (*k, t.t(&format!("checklist-{k}"))))
            .collect(),
        sections: Section::ALL
            .iter()
            .map(|s| (s.key(), t.t(&s.message_id())))
            .collect(),
        ready_version: p.sign_off.map(|s| s.version),
        notice: notice_text(t, q.notice.as_deref()),
        title: p.title,
    })
}
