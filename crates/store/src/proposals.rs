//! Proposals: drafting from ideas, teams, versions, coaching notes, sign-off and shortlisting,
//! and which social organisation coaches which community.

use crate::audit::{self, Entry};
use crate::entity::{
    coaching, idea, proposal, proposal_idea, proposal_member, proposal_note, proposal_version,
    season,
};
use crate::{Result, StoreError, notifications, now_ms};
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_domain::ideas::Status as IdeaStatus;
use chuangxiang_domain::notify::Notice;
use chuangxiang_domain::policy::{CommunityRef, TeamRole};
use chuangxiang_domain::proposals::{
    self as rules, BudgetCap, Content, SeasonTerms, Section, SignOff, Status, yuan,
};
use chuangxiang_domain::season::Step;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Serialize;

pub use coaching::Model as Coaching;
pub use proposal::Model as Proposal;
pub use proposal_member::Model as Member;
pub use proposal_note::Model as Note;
pub use proposal_version::Model as Version;

/// A proposal's stored text, read back into the domain's shape.
pub fn content_of(json: &str) -> Result<Content> {
    serde_json::from_str(json).map_err(|e| StoreError::Database(format!("proposal content: {e}")))
}

fn to_json(content: &Content) -> Result<String> {
    serde_json::to_string(content).map_err(|e| StoreError::Database(e.to_string()))
}

/// A proposal's status as the domain knows it; a stored word it does not know is an error.
pub fn status_of(p: &Proposal) -> Result<Status> {
    Status::from_key(&p.status)
        .ok_or_else(|| StoreError::Database(format!("proposal {}: status {:?}", p.id, p.status)))
}

/// The season's cap on one proposal's budget. A stored cap that does not read as one is an
/// error, never "no cap": the cap is what keeps a proposal within the season's money.
pub fn cap_of(s: &season::Model) -> Result<Option<BudgetCap>> {
    s.budget_cap
        .as_deref()
        .map(|raw| {
            BudgetCap::parse(raw)
                .ok_or_else(|| StoreError::Database(format!("season {}: budget cap {raw:?}", s.id)))
        })
        .transpose()
}

impl TryFrom<Member> for rules::Member {
    type Error = StoreError;

    fn try_from(m: Member) -> Result<Self> {
        let role = rules::role_from_key(&m.status).ok_or_else(|| {
            StoreError::Database(format!(
                "proposal {} team: role {:?}",
                m.proposal_id, m.status
            ))
        })?;
        Ok(rules::Member {
            account_id: m.account_id,
            role,
        })
    }
}

/// The rows a proposal is built from.
struct Rows {
    proposal: Proposal,
    season: season::Model,
    street_id: i64,
    team: Vec<Member>,
    coach_org: Option<i64>,
}

impl TryFrom<Rows> for rules::Proposal {
    type Error = StoreError;

    fn try_from(r: Rows) -> Result<Self> {
        let p = r.proposal;
        let step = Step::from_number(r.season.current_step).ok_or_else(|| {
            StoreError::Database(format!(
                "season {}: step {}",
                r.season.id, r.season.current_step
            ))
        })?;
        let sign_off = match (p.ready_by, p.ready_at, p.ready_version) {
            (Some(by), Some(at), Some(version)) => Some(SignOff { by, at, version }),
            _ => None,
        };
        Ok(rules::Proposal {
            status: status_of(&p)?,
            content: content_of(&p.content)?,
            season: SeasonTerms {
                step,
                cap: cap_of(&r.season)?,
            },
            team: r
                .team
                .into_iter()
                .map(rules::Member::try_from)
                .collect::<Result<_>>()?,
            community: CommunityRef {
                community_id: p.community_id,
                street_id: r.street_id,
            },
            coach_org: r.coach_org,
            sign_off,
            id: p.id,
            season_id: p.season_id,
            category_id: p.category_id,
            title: p.title,
            version: p.version,
        })
    }
}

/// A proposal with its season's terms, team and coach: what every question about it needs.
pub async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<rules::Proposal> {
    let proposal = get(conn, id).await?;
    let season = crate::season::by_id(conn, proposal.season_id).await?;
    let street_id = crate::org::community(conn, proposal.community_id)
        .await?
        .street_id;
    let team = team(conn, id).await?;
    let coach_org = coach_of(conn, proposal.season_id, proposal.community_id).await?;
    Rows {
        proposal,
        season,
        street_id,
        team,
        coach_org,
    }
    .try_into()
}

/// Takes the proposal's row for this transaction before reading anything. A write first
/// means SQLite takes its write lock at once (waiting its turn) instead of failing to upgrade a
/// read snapshot another writer has moved past; PostgreSQL and MariaDB lock the row, so two
/// changes to one proposal queue up.
async fn lock(conn: &impl ConnectionTrait, id: i64) -> Result<()> {
    proposal::Entity::update_many()
        .col_expr(
            proposal::Column::Version,
            Expr::col(proposal::Column::Version),
        )
        .filter(proposal::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Proposal> {
    proposal::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The given proposals, in no particular order.
pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Proposal>> {
    Ok(proposal::Entity::find()
        .filter(proposal::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

#[derive(Serialize)]
struct ProposalAudit<'a> {
    title: &'a str,
    status: &'a str,
    version: i32,
    budget_total: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

fn audit_of(p: &Proposal) -> ProposalAudit<'_> {
    ProposalAudit {
        title: &p.title,
        status: &p.status,
        version: p.version,
        budget_total: &p.budget_total,
        detail: None,
    }
}

async fn record(
    conn: &impl ConnectionTrait,
    actor_id: i64,
    street_id: i64,
    action: AuditAction,
    before: Option<&ProposalAudit<'_>>,
    after: &ProposalAudit<'_>,
    id: i64,
) -> Result<()> {
    audit::record(
        conn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(street_id),
            action,
            subject: format!("proposal:{id}"),
            before: before.map(|b| b as &dyn audit::erased::Json),
            after: Some(after),
        },
    )
    .await
}

/// A new proposal, checked by the domain.
pub struct NewProposal<'a> {
    pub season_id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub category_id: i64,
    pub owner_id: i64,
    pub title: &'a str,
    pub content: &'a Content,
    pub idea_ids: &'a [i64],
}

/// Starts a proposal: its first version, its owner on the team, and the ideas it grew from.
pub async fn create(db: &DatabaseConnection, new: NewProposal<'_>) -> Result<i64> {
    let txn = db.begin().await?;
    let now = now_ms();
    let json = to_json(new.content)?;
    let total = yuan(new.content.total());
    let model = proposal::ActiveModel {
        id: NotSet,
        season_id: Set(new.season_id),
        community_id: Set(new.community_id),
        category_id: Set(new.category_id),
        owner_id: Set(new.owner_id),
        title: Set(new.title.to_owned()),
        status: Set(Status::Draft.key().to_owned()),
        content: Set(json.clone()),
        budget_total: Set(total.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        updated_by: Set(new.owner_id),
        ready_by: Set(None),
        ready_at: Set(None),
        ready_version: Set(None),
        shortlisted_by: Set(None),
        shortlisted_at: Set(None),
    }
    .insert(&txn)
    .await?;
    proposal_version::Entity::insert(proposal_version::ActiveModel {
        id: NotSet,
        proposal_id: Set(model.id),
        number: Set(1),
        title: Set(model.title.clone()),
        content: Set(json),
        budget_total: Set(total),
        saved_by: Set(new.owner_id),
        saved_at: Set(now),
    })
    .exec(&txn)
    .await?;
    proposal_member::Entity::insert(proposal_member::ActiveModel {
        id: NotSet,
        proposal_id: Set(model.id),
        account_id: Set(new.owner_id),
        status: Set(rules::role_key(TeamRole::Owner).to_owned()),
        invited_by: Set(new.owner_id),
        created_at: Set(now),
    })
    .exec(&txn)
    .await?;
    let mut ideas = new.idea_ids.to_vec();
    ideas.sort_unstable();
    ideas.dedup();
    if !ideas.is_empty() {
        proposal_idea::Entity::insert_many(ideas.iter().map(|i| proposal_idea::ActiveModel {
            id: NotSet,
            proposal_id: Set(model.id),
            idea_id: Set(*i),
        }))
        .exec(&txn)
        .await?;
    }
    record(
        &txn,
        new.owner_id,
        new.street_id,
        AuditAction::ProposalCreated,
        None,
        &audit_of(&model),
        model.id,
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

/// A revision by someone on the team, made from version `base`.
pub struct Revision<'a> {
    pub id: i64,
    pub street_id: i64,
    pub base: i32,
    pub by: i64,
    pub title: &'a str,
    pub content: &'a Content,
}

/// Saves a revision as the next version. The update only applies while the proposal is still
/// at version `base` and not shortlisted, so of two people saving from the same version the
/// second gets `Conflict` and nothing of theirs overwrites the first. A ready proposal goes back
/// to draft: the coach signed off a version that is no longer the latest.
pub async fn revise(db: &DatabaseConnection, r: Revision<'_>) -> Result<i32> {
    let txn = db.begin().await?;
    lock(&txn, r.id).await?;
    let before = get(&txn, r.id).await?;
    let json = to_json(r.content)?;
    let total = yuan(r.content.total());
    let now = now_ms();
    let next = r.base + 1;
    let res = proposal::Entity::update_many()
        .col_expr(proposal::Column::Title, Expr::value(r.title))
        .col_expr(proposal::Column::Content, Expr::value(json.clone()))
        .col_expr(proposal::Column::BudgetTotal, Expr::value(total.clone()))
        .col_expr(proposal::Column::Version, Expr::value(next))
        .col_expr(proposal::Column::Status, Expr::value(Status::Draft.key()))
        .col_expr(proposal::Column::UpdatedAt, Expr::value(now))
        .col_expr(proposal::Column::UpdatedBy, Expr::value(r.by))
        .filter(proposal::Column::Id.eq(r.id))
        .filter(proposal::Column::Version.eq(r.base))
        .filter(proposal::Column::Status.ne(Status::Shortlisted.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    proposal_version::Entity::insert(proposal_version::ActiveModel {
        id: NotSet,
        proposal_id: Set(r.id),
        number: Set(next),
        title: Set(r.title.to_owned()),
        content: Set(json),
        budget_total: Set(total),
        saved_by: Set(r.by),
        saved_at: Set(now),
    })
    .exec(&txn)
    .await?;
    let after = get(&txn, r.id).await?;
    record(
        &txn,
        r.by,
        r.street_id,
        AuditAction::ProposalRevised,
        Some(&audit_of(&before)),
        &audit_of(&after),
        r.id,
    )
    .await?;
    txn.commit().await?;
    Ok(next)
}

/// A proposal's versions, oldest first, without their text.
pub async fn versions(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<(i32, i64, i64)>> {
    Ok(proposal_version::Entity::find()
        .select_only()
        .column(proposal_version::Column::Number)
        .column(proposal_version::Column::SavedBy)
        .column(proposal_version::Column::SavedAt)
        .filter(proposal_version::Column::ProposalId.eq(id))
        .order_by_asc(proposal_version::Column::Number)
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn version(conn: &impl ConnectionTrait, id: i64, number: i32) -> Result<Version> {
    proposal_version::Entity::find()
        .filter(proposal_version::Column::ProposalId.eq(id))
        .filter(proposal_version::Column::Number.eq(number))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The team, owner first, then members and invitations in the order they were made.
pub async fn team(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<Member>> {
    let mut members = proposal_member::Entity::find()
        .filter(proposal_member::Column::ProposalId.eq(id))
        .order_by_asc(proposal_member::Column::Id)
        .all(conn)
        .await?;
    members.sort_by_key(|m| role(m) != Some(TeamRole::Owner));
    Ok(members)
}

pub fn role(member: &Member) -> Option<TeamRole> {
    rules::role_from_key(&member.status)
}

/// Those who have joined (the owner and members), for notifications and sign-off.
pub fn joined(team: &[Member]) -> Vec<i64> {
    team.iter()
        .filter(|m| matches!(role(m), Some(TeamRole::Owner | TeamRole::Member)))
        .map(|m| m.account_id)
        .collect()
}

/// Invites a person to the team. Inviting someone already on it is a conflict.
pub async fn invite(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    account_id: i64,
) -> Result<()> {
    let txn = db.begin().await?;
    lock(&txn, id).await?;
    let p = get(&txn, id).await?;
    proposal_member::Entity::insert(proposal_member::ActiveModel {
        id: NotSet,
        proposal_id: Set(id),
        account_id: Set(account_id),
        status: Set(rules::role_key(TeamRole::Invited).to_owned()),
        invited_by: Set(by),
        created_at: Set(now_ms()),
    })
    .exec(&txn)
    .await?;
    notifications::push(
        &txn,
        &[account_id],
        Notice::TeamInvitation,
        &p.title,
        &format!("/proposals/{id}"),
    )
    .await?;
    let mut after = audit_of(&p);
    after.detail = Some(format!("account:{account_id}"));
    record(
        &txn,
        by,
        street_id,
        AuditAction::ProposalMemberInvited,
        None,
        &after,
        id,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Accepts (joins the team) or declines (the invitation is removed) an invitation.
pub async fn answer_invitation(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    account_id: i64,
    accept: bool,
) -> Result<()> {
    let txn = db.begin().await?;
    lock(&txn, id).await?;
    let p = get(&txn, id).await?;
    let filter = Condition::all()
        .add(proposal_member::Column::ProposalId.eq(id))
        .add(proposal_member::Column::AccountId.eq(account_id))
        .add(proposal_member::Column::Status.eq(rules::role_key(TeamRole::Invited)));
    let affected = if accept {
        proposal_member::Entity::update_many()
            .col_expr(
                proposal_member::Column::Status,
                Expr::value(rules::role_key(TeamRole::Member)),
            )
            .filter(filter)
            .exec(&txn)
            .await?
            .rows_affected
    } else {
        proposal_member::Entity::delete_many()
            .filter(filter)
            .exec(&txn)
            .await?
            .rows_affected
    };
    if affected != 1 {
        return Err(StoreError::Conflict);
    }
    let mut after = audit_of(&p);
    after.detail = Some(if accept { "joined" } else { "declined" }.to_owned());
    record(
        &txn,
        account_id,
        street_id,
        AuditAction::ProposalInvitationAnswered,
        None,
        &after,
        id,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A coach's note on a section, told to everyone on the team.
pub async fn add_note(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    author_id: i64,
    section: &str,
    body: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    lock(&txn, id).await?;
    let p = get(&txn, id).await?;
    proposal_note::Entity::insert(proposal_note::ActiveModel {
        id: NotSet,
        proposal_id: Set(id),
        section: Set(section.to_owned()),
        body: Set(body.to_owned()),
        author_id: Set(author_id),
        version: Set(p.version),
        created_at: Set(now_ms()),
    })
    .exec(&txn)
    .await?;
    let told: Vec<i64> = joined(&team(&txn, id).await?)
        .into_iter()
        .filter(|a| *a != author_id)
        .collect();
    notifications::push(
        &txn,
        &told,
        Notice::CoachNote,
        &p.title,
        &format!("/proposals/{id}#notes"),
    )
    .await?;
    let mut after = audit_of(&p);
    after.detail = Some(format!("section:{section}"));
    record(
        &txn,
        author_id,
        street_id,
        AuditAction::ProposalNoteAdded,
        None,
        &after,
        id,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

impl TryFrom<Note> for rules::Note {
    type Error = StoreError;

    fn try_from(n: Note) -> Result<Self> {
        let section = Section::from_key(&n.section).ok_or_else(|| {
            StoreError::Database(format!("proposal note {}: section {:?}", n.id, n.section))
        })?;
        Ok(rules::Note {
            author_id: n.author_id,
            section,
            body: n.body,
            version: n.version,
            at: n.created_at,
        })
    }
}

/// A proposal's coaching notes, oldest first.
pub async fn notes(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<rules::Note>> {
    proposal_note::Entity::find()
        .filter(proposal_note::Column::ProposalId.eq(id))
        .order_by_asc(proposal_note::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(rules::Note::try_from)
        .collect()
}

/// The coach signs off version `version` as ready. Refused (`Conflict`) if the team saved a
/// newer version meanwhile, or it is not a draft any more.
pub async fn sign_off(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    version: i32,
) -> Result<()> {
    let txn = db.begin().await?;
    lock(&txn, id).await?;
    let before = get(&txn, id).await?;
    let res = proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value(Status::Ready.key()))
        .col_expr(proposal::Column::ReadyBy, Expr::value(Some(by)))
        .col_expr(proposal::Column::ReadyAt, Expr::value(Some(now_ms())))
        .col_expr(proposal::Column::ReadyVersion, Expr::value(Some(version)))
        .filter(proposal::Column::Id.eq(id))
        .filter(proposal::Column::Version.eq(version))
        .filter(proposal::Column::Status.eq(Status::Draft.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let after = get(&txn, id).await?;
    notifications::push(
        &txn,
        &joined(&team(&txn, id).await?),
        Notice::ProposalReady,
        &after.title,
        &format!("/proposals/{id}"),
    )
    .await?;
    record(
        &txn,
        by,
        street_id,
        AuditAction::ProposalSignedOff,
        Some(&audit_of(&before)),
        &audit_of(&after),
        id,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Shortlists ready proposals for the competition, which locks them. Returns how many changed;
/// a proposal that is no longer ready (the team revised it meanwhile) is left as it is.
pub async fn shortlist(
    db: &DatabaseConnection,
    ids: &[i64],
    street_id: i64,
    by: i64,
) -> Result<u64> {
    let txn = db.begin().await?;
    let mut changed = 0;
    for id in ids {
        lock(&txn, *id).await?;
        let before = get(&txn, *id).await?;
        let res = proposal::Entity::update_many()
            .col_expr(
                proposal::Column::Status,
                Expr::value(Status::Shortlisted.key()),
            )
            .col_expr(proposal::Column::ShortlistedBy, Expr::value(Some(by)))
            .col_expr(proposal::Column::ShortlistedAt, Expr::value(Some(now_ms())))
            .filter(proposal::Column::Id.eq(*id))
            .filter(proposal::Column::Status.eq(Status::Ready.key()))
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            continue;
        }
        changed += 1;
        let after = get(&txn, *id).await?;
        notifications::push(
            &txn,
            &joined(&team(&txn, *id).await?),
            Notice::ProposalShortlisted,
            &after.title,
            &format!("/proposals/{id}"),
        )
        .await?;
        record(
            &txn,
            by,
            street_id,
            AuditAction::ProposalShortlisted,
            Some(&audit_of(&before)),
            &audit_of(&after),
            *id,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(changed)
}

impl TryFrom<idea::Model> for rules::SourceIdea {
    type Error = StoreError;

    fn try_from(i: idea::Model) -> Result<Self> {
        let status = IdeaStatus::from_key(&i.status)
            .ok_or_else(|| StoreError::Database(format!("idea {}: status {:?}", i.id, i.status)))?;
        Ok(rules::SourceIdea {
            id: i.id,
            season_id: i.season_id,
            community_id: i.community_id,
            status,
            title: i.title,
            description: i.description,
        })
    }
}

/// The ideas a new proposal is to start from, by id; ids of no idea are left out.
pub async fn source_ideas(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<rules::SourceIdea>> {
    idea::Entity::find()
        .filter(idea::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(idea::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(rules::SourceIdea::try_from)
        .collect()
}

/// The golden ideas a proposal grew from.
pub async fn ideas(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<idea::Model>> {
    let ids: Vec<i64> = proposal_idea::Entity::find()
        .select_only()
        .column(proposal_idea::Column::IdeaId)
        .filter(proposal_idea::Column::ProposalId.eq(id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(idea::Entity::find()
        .filter(idea::Column::Id.is_in(ids))
        .order_by_asc(idea::Column::Id)
        .all(conn)
        .await?)
}

/// Which proposals a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub season_id: i64,
    /// Only these communities (None: all of the season's).
    pub communities: Option<Vec<i64>>,
    /// Only these statuses (empty: all).
    pub statuses: Vec<Status>,
    /// Only proposals this person is on the team of (invitations included).
    pub member: Option<i64>,
    /// At most this many (None: 500, more than any list page shows).
    pub limit: Option<u64>,
}

/// Proposals matching `q`, most recently changed first.
pub async fn list(conn: &impl ConnectionTrait, q: &ListQuery) -> Result<Vec<Proposal>> {
    let mut query = proposal::Entity::find().filter(proposal::Column::SeasonId.eq(q.season_id));
    if let Some(c) = &q.communities {
        query = query.filter(proposal::Column::CommunityId.is_in(c.clone()));
    }
    if !q.statuses.is_empty() {
        query = query.filter(proposal::Column::Status.is_in(q.statuses.iter().map(|s| s.key())));
    }
    if let Some(m) = q.member {
        let ids: Vec<i64> = proposal_member::Entity::find()
            .select_only()
            .column(proposal_member::Column::ProposalId)
            .filter(proposal_member::Column::AccountId.eq(m))
            .into_tuple()
            .all(conn)
            .await?;
        query = query.filter(proposal::Column::Id.is_in(ids));
    }
    Ok(query
        .order_by_desc(proposal::Column::UpdatedAt)
        .order_by_desc(proposal::Column::Id)
        .limit(q.limit.unwrap_or(500).min(500))
        .all(conn)
        .await?)
}

/// Every proposal of a season, by community then id, for exports.
pub async fn of_season(conn: &impl ConnectionTrait, season_id: i64) -> Result<Vec<Proposal>> {
    Ok(proposal::Entity::find()
        .filter(proposal::Column::SeasonId.eq(season_id))
        .order_by_asc(proposal::Column::CommunityId)
        .order_by_asc(proposal::Column::Id)
        .all(conn)
        .await?)
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64> {
    Ok(proposal::Entity::find().count(conn).await?)
}

/// The social organisation coaching a community this season.
pub async fn coach_of(
    conn: &impl ConnectionTrait,
    season_id: i64,
    community_id: i64,
) -> Result<Option<i64>> {
    Ok(coaching::Entity::find()
        .filter(coaching::Column::SeasonId.eq(season_id))
        .filter(coaching::Column::CommunityId.eq(community_id))
        .one(conn)
        .await?
        .map(|c| c.organisation_id))
}

/// The season's coaching assignments.
pub async fn coaching(conn: &impl ConnectionTrait, season_id: i64) -> Result<Vec<Coaching>> {
    Ok(coaching::Entity::find()
        .filter(coaching::Column::SeasonId.eq(season_id))
        .all(conn)
        .await?)
}

/// Records which organisation coaches each community (None: nobody), replacing the season's
/// assignments as one change.
pub async fn set_coaching(
    db: &DatabaseConnection,
    season_id: i64,
    street_id: i64,
    by: i64,
    assignments: &[(i64, i64)],
) -> Result<()> {
    let txn = db.begin().await?;
    let before: Vec<(i64, i64)> = coaching(&txn, season_id)
        .await?
        .into_iter()
        .map(|c| (c.community_id, c.organisation_id))
        .collect();
    coaching::Entity::delete_many()
        .filter(coaching::Column::SeasonId.eq(season_id))
        .exec(&txn)
        .await?;
    if !assignments.is_empty() {
        coaching::Entity::insert_many(assignments.iter().map(|(community, org)| {
            coaching::ActiveModel {
                id: NotSet,
                season_id: Set(season_id),
                community_id: Set(*community),
                organisation_id: Set(*org),
            }
        }))
        .exec(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Entry {
            actor_id: Some(by),
            street_id: Some(street_id),
            action: AuditAction::SeasonCoachingSet,
            subject: format!("season:{season_id}"),
            before: Some(&before),
            after: Some(&assignments),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
