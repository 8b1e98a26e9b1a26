//! The proposal lists: the public shortlist, and a person's own, coached and looked-after proposals.

use super::{NoticeQuery, notice_text};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Layout, beijing_time, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::proposals::Status;
use chuangxiang_domain::season::Step;
use chuangxiang_store::proposals;
use std::collections::HashMap;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/proposals", get(list))
}

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
) -> AppResult<Vec<ProposalCard>> {
    rows.into_iter()
        .map(|p| {
            let status = proposals::status_of(&p)?;
            Ok(ProposalCard {
                community: communities
                    .get(&p.community_id)
                    .cloned()
                    .unwrap_or_default(),
                status: t.t(&format!("proposal-status-{}", status.key())),
                ready: status == Status::Ready,
                budget: p.budget_total,
                when: beijing_time(p.updated_at),
                title: p.title,
                id: p.id,
            })
        })
        .collect()
}

/// The public list shows the latest this many shortlisted proposals; a street shortlists a few
/// dozen, and the export has them all.
const PUBLIC_LIST: u64 = 100;

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
        mine: proposal_cards(t, mine, &communities)?,
        coaching: proposal_cards(t, coaching, &communities)?,
        staff: proposal_cards(t, staff, &communities)?,
        can_shortlist,
        public: proposal_cards(t, public, &communities)?,
        notice: notice_text(t, q.notice.as_deref()),
    })
}
