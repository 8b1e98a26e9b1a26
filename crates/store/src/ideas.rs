//! Golden ideas and supports.

use crate::audit::{self, Entry};
use crate::entity::{idea, idea_support, idea_term, season_category};
use crate::{Result, StoreError, now_ms};
use chrono::NaiveDate;
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_domain::ideas::{self as rules, IdeaText, Sort, Status};
use chuangxiang_domain::notify::Notice;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Serialize;

pub use idea::Model as Idea;
pub use season_category::Model as Category;

/// A season's categories, in their order.
pub async fn categories(conn: &impl ConnectionTrait, season_id: i64) -> Result<Vec<Category>> {
    Ok(season_category::Entity::find()
        .filter(season_category::Column::SeasonId.eq(season_id))
        .order_by_asc(season_category::Column::Position)
        .all(conn)
        .await?)
}

/// Renames a season's category (`Some(id)`) or adds one at the end (`None`). A name already
/// used in the season is a conflict.
pub async fn save_category(
    db: &DatabaseConnection,
    season_id: i64,
    street_id: i64,
    by: i64,
    id: Option<i64>,
    name: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    let existing = categories(&txn, season_id).await?;
    let before: Vec<&str> = existing.iter().map(|c| c.name.as_str()).collect();
    match id {
        Some(id) => {
            let res = season_category::Entity::update_many()
                .col_expr(season_category::Column::Name, Expr::value(name))
                .filter(season_category::Column::Id.eq(id))
                .filter(season_category::Column::SeasonId.eq(season_id))
                .exec(&txn)
                .await?;
            if res.rows_affected != 1 {
                return Err(StoreError::NotFound);
            }
        }
        None => {
            let position = existing.iter().map(|c| c.position).max().unwrap_or(0) + 1;
            season_category::Entity::insert(season_category::ActiveModel {
                id: NotSet,
                season_id: Set(season_id),
                name: Set(name.to_owned()),
                position: Set(position),
            })
            .exec(&txn)
            .await?;
        }
    }
    let after: Vec<String> = categories(&txn, season_id)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    audit::record(
        &txn,
        Entry {
            actor_id: Some(by),
            street_id: Some(street_id),
            action: AuditAction::SeasonCategoriesSet,
            subject: format!("season:{season_id}"),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Gives a new season the default categories.
pub async fn add_default_categories(conn: &impl ConnectionTrait, season_id: i64) -> Result<()> {
    season_category::Entity::insert_many(rules::DEFAULT_CATEGORIES.iter().enumerate().map(
        |(i, name)| season_category::ActiveModel {
            id: NotSet,
            season_id: Set(season_id),
            name: Set((*name).to_owned()),
            position: Set(i32::try_from(i).unwrap_or(0) + 1),
        },
    ))
    .exec(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Idea> {
    idea::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The text search looks in: jieba terms of title, description and place, space-padded so that
/// `LIKE '% term %'` matches whole terms on every engine.
pub fn search_terms(text: &IdeaText) -> String {
    let mut terms = rules::similar::terms(&format!(
        "{} {} {}",
        text.title, text.description, text.place
    ));
    terms.truncate(400);
    format!(" {} ", terms.join(" "))
}

/// The inverted index rows of one idea: each distinct term once.
fn term_rows(idea_id: i64, search_terms: &str) -> Vec<idea_term::ActiveModel> {
    let mut seen: Vec<&str> = Vec::new();
    for term in search_terms.split_whitespace() {
        if term.chars().count() <= 40 && !seen.contains(&term) {
            seen.push(term);
        }
    }
    seen.into_iter()
        .map(|term| idea_term::ActiveModel {
            id: NotSet,
            term: Set(term.to_owned()),
            idea_id: Set(idea_id),
        })
        .collect()
}

/// Indexes the terms of every idea from `first_id` on, for ideas inserted in bulk (the demo).
pub(crate) async fn index_terms_from(conn: &impl ConnectionTrait, first_id: i64) -> Result<()> {
    let ideas: Vec<(i64, String)> = idea::Entity::find()
        .select_only()
        .column(idea::Column::Id)
        .column(idea::Column::SearchTerms)
        .filter(idea::Column::Id.gte(first_id))
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<idea_term::ActiveModel> = ideas
        .iter()
        .flat_map(|(id, terms)| term_rows(*id, terms))
        .collect();
    for chunk in rows.chunks(1000) {
        idea_term::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The highest idea id so far (0 when there is none).
pub(crate) async fn last_id(conn: &impl ConnectionTrait) -> Result<i64> {
    Ok(idea::Entity::find()
        .select_only()
        .column_as(idea::Column::Id.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// A new idea, checked by the domain.
pub struct NewIdea<'a> {
    pub season_id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub category_id: i64,
    pub author_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub submitted_by: i64,
    pub author_name: Option<&'a str>,
    pub text: &'a IdeaText,
    pub paper_form: Option<(&'a str, NaiveDate, &'a str)>,
    pub late: bool,
}

#[derive(Serialize)]
struct IdeaAudit<'a> {
    title: &'a str,
    community_id: i64,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    paper_form: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merged_into: Option<i64>,
}

pub async fn submit(db: &DatabaseConnection, new: NewIdea<'_>) -> Result<i64> {
    let txn = db.begin().await?;
    let model = idea::ActiveModel {
        id: NotSet,
        season_id: Set(new.season_id),
        community_id: Set(new.community_id),
        category_id: Set(new.category_id),
        author_id: Set(new.author_id),
        organisation_id: Set(new.organisation_id),
        submitted_by: Set(new.submitted_by),
        author_name: Set(new.author_name.map(str::to_owned)),
        title: Set(new.text.title.clone()),
        description: Set(new.text.description.clone()),
        place: Set(new.text.place.clone()),
        status: Set(Status::Submitted.key().to_owned()),
        status_reason: Set(None),
        merged_into: Set(None),
        paper_form_number: Set(new.paper_form.map(|p| p.0.trim().to_owned())),
        paper_form_date: Set(new.paper_form.map(|p| p.1)),
        consent: Set(new.paper_form.map(|p| p.2.trim().to_owned())),
        late: Set(new.late),
        supports: Set(0),
        search_terms: Set(search_terms(new.text)),
        created_at: Set(now_ms()),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let terms = term_rows(model.id, &model.search_terms);
    if !terms.is_empty() {
        idea_term::Entity::insert_many(terms).exec(&txn).await?;
    }
    audit::record(
        &txn,
        Entry {
            actor_id: Some(new.submitted_by),
            street_id: Some(new.street_id),
            action: AuditAction::IdeaSubmitted,
            subject: format!("idea:{}", model.id),
            before: None,
            after: Some(&IdeaAudit {
                title: &model.title,
                community_id: model.community_id,
                status: &model.status,
                paper_form: model.paper_form_number.as_deref(),
                reason: None,
                merged_into: None,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

/// Adds a resident's +1. A second +1 by the same person is a conflict (the unique index
/// decides, so two clicks at the same moment count once).
pub async fn support(db: &DatabaseConnection, idea_id: i64, account_id: i64) -> Result<()> {
    let txn = db.begin().await?;
    idea_support::Entity::insert(idea_support::ActiveModel {
        id: NotSet,
        idea_id: Set(idea_id),
        account_id: Set(account_id),
        created_at: Set(now_ms()),
    })
    .exec(&txn)
    .await?;
    idea::Entity::update_many()
        .col_expr(
            idea::Column::Supports,
            Expr::col(idea::Column::Supports).add(1),
        )
        .filter(idea::Column::Id.eq(idea_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn has_supported(
    conn: &impl ConnectionTrait,
    idea_id: i64,
    account_id: i64,
) -> Result<bool> {
    Ok(idea_support::Entity::find()
        .filter(idea_support::Column::IdeaId.eq(idea_id))
        .filter(idea_support::Column::AccountId.eq(account_id))
        .count(conn)
        .await?
        > 0)
}

/// Records a coordinator's review. Only a still-submitted idea changes (a conditional update),
/// so two coordinators reviewing at once cannot both win.
pub async fn review(
    db: &DatabaseConnection,
    actor_id: i64,
    street_id: i64,
    idea_id: i64,
    status: Status,
    reason: Option<&str>,
    merged_into: Option<i64>,
) -> Result<()> {
    let txn = db.begin().await?;
    // Write before reading, so SQLite takes its write lock now rather than failing to upgrade
    // a read snapshot when another review commits first (see `proposals::lock`).
    idea::Entity::update_many()
        .col_expr(idea::Column::Status, Expr::col(idea::Column::Status))
        .filter(idea::Column::Id.eq(idea_id))
        .exec(&txn)
        .await?;
    let before = get(&txn, idea_id).await?;
    let res = idea::Entity::update_many()
        .col_expr(idea::Column::Status, Expr::value(status.key()))
        .col_expr(
            idea::Column::StatusReason,
            Expr::value(reason.map(|r| r.trim().to_owned())),
        )
        .col_expr(idea::Column::MergedInto, Expr::value(merged_into))
        .col_expr(idea::Column::ReviewedBy, Expr::value(Some(actor_id)))
        .col_expr(idea::Column::ReviewedAt, Expr::value(Some(now_ms())))
        .filter(idea::Column::Id.eq(idea_id))
        .filter(idea::Column::Status.eq(Status::Submitted.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    if let Some(target) = merged_into {
        // The duplicate's supporters now support the idea it joined (once each).
        let already: Vec<i64> = idea_support::Entity::find()
            .select_only()
            .column(idea_support::Column::AccountId)
            .filter(idea_support::Column::IdeaId.eq(target))
            .into_tuple()
            .all(&txn)
            .await?;
        let moving: Vec<i64> = idea_support::Entity::find()
            .select_only()
            .column(idea_support::Column::AccountId)
            .filter(idea_support::Column::IdeaId.eq(idea_id))
            .into_tuple()
            .all(&txn)
            .await?;
        let now = now_ms();
        let target_author = get(&txn, target).await?.author_id;
        let new_rows: Vec<idea_support::ActiveModel> = moving
            .into_iter()
            .filter(|a| !already.contains(a) && Some(*a) != target_author)
            .map(|a| idea_support::ActiveModel {
                id: NotSet,
                idea_id: Set(target),
                account_id: Set(a),
                created_at: Set(now),
            })
            .collect();
        if !new_rows.is_empty() {
            idea_support::Entity::insert_many(new_rows)
                .exec(&txn)
                .await?;
        }
        let count = idea_support::Entity::find()
            .filter(idea_support::Column::IdeaId.eq(target))
            .count(&txn)
            .await?;
        idea::Entity::update_many()
            .col_expr(
                idea::Column::Supports,
                Expr::value(i32::try_from(count).unwrap_or(i32::MAX)),
            )
            .filter(idea::Column::Id.eq(target))
            .exec(&txn)
            .await?;
    }
    let (action, notice) = match status {
        Status::Accepted => (AuditAction::IdeaAccepted, Notice::IdeaAccepted),
        Status::Merged => (AuditAction::IdeaMerged, Notice::IdeaMerged),
        _ => (AuditAction::IdeaDeclined, Notice::IdeaDeclined),
    };
    let told: Vec<i64> = before.author_id.into_iter().collect();
    crate::notifications::push(
        &txn,
        &told,
        notice,
        &before.title,
        &format!("/ideas/{idea_id}"),
    )
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(street_id),
            action,
            subject: format!("idea:{idea_id}"),
            before: Some(&IdeaAudit {
                title: &before.title,
                community_id: before.community_id,
                status: &before.status,
                paper_form: None,
                reason: None,
                merged_into: None,
            }),
            after: Some(&IdeaAudit {
                title: &before.title,
                community_id: before.community_id,
                status: status.key(),
                paper_form: None,
                reason,
                merged_into,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What the idea wall asks for.
#[derive(Debug, Clone, Default)]
pub struct WallQuery {
    pub season_id: i64,
    pub community_id: Option<i64>,
    pub category_id: Option<i64>,
    pub statuses: Vec<Status>,
    /// Terms that must all appear (from `domain::ideas::similar::terms`).
    pub terms: Vec<String>,
    pub sort: Sort,
    pub page: u64,
}

pub const WALL_PAGE: u64 = 20;

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_escape(term: &str) -> String {
    term.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of the idea wall and the number of matching ideas.
pub async fn wall(conn: &impl ConnectionTrait, q: &WallQuery) -> Result<(Vec<Idea>, u64)> {
    let mut query = idea::Entity::find().filter(idea::Column::SeasonId.eq(q.season_id));
    if !q.statuses.is_empty() {
        query = query.filter(idea::Column::Status.is_in(q.statuses.iter().map(|s| s.key())));
    }
    if let Some(c) = q.community_id {
        query = query.filter(idea::Column::CommunityId.eq(c));
    }
    if let Some(c) = q.category_id {
        query = query.filter(idea::Column::CategoryId.eq(c));
    }
    // Every term must be among the idea's: one look-up in the inverted index per term.
    for term in q.terms.iter().take(8) {
        query = query.filter(
            idea::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(idea_term::Column::IdeaId)
                    .from(idea_term::Entity)
                    .and_where(idea_term::Column::Term.eq(term.as_str()))
                    .to_owned(),
            ),
        );
    }
    let total = query.clone().count(conn).await?;
    query = match q.sort {
        Sort::Newest => query
            .order_by_desc(idea::Column::CreatedAt)
            .order_by_desc(idea::Column::Id),
        Sort::MostSupported => query
            .order_by_desc(idea::Column::Supports)
            .order_by_desc(idea::Column::CreatedAt)
            .order_by_desc(idea::Column::Id),
    };
    let rows = query
        .offset(q.page * WALL_PAGE)
        .limit(WALL_PAGE)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Ideas of a season that share at least one term with `terms`, as (id, title), for the
/// similar-idea suggestion to rank. Declined and merged ideas are not suggested.
pub async fn similar_candidates(
    conn: &impl ConnectionTrait,
    season_id: i64,
    terms: &[String],
) -> Result<Vec<(i64, String)>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut any = Condition::any();
    for term in terms.iter().take(8) {
        any = any.add(Expr::col(idea::Column::SearchTerms).like(
            sea_orm::sea_query::LikeExpr::new(format!("% {} %", like_escape(term))).escape('\\'),
        ));
        // Single characters of the term catch near matches jieba splits differently.
        for c in term.chars().filter(|c| c.is_alphanumeric()).take(4) {
            any = any.add(
                Expr::col(idea::Column::Title).like(format!("%{}%", like_escape(&c.to_string()))),
            );
        }
    }
    Ok(idea::Entity::find()
        .select_only()
        .column(idea::Column::Id)
        .column(idea::Column::Title)
        .filter(idea::Column::SeasonId.eq(season_id))
        .filter(idea::Column::Status.is_in([Status::Submitted.key(), Status::Accepted.key()]))
        .filter(any)
        .order_by_desc(idea::Column::Supports)
        .limit(500)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Every idea of a season, newest first, for exports.
pub async fn of_season(conn: &impl ConnectionTrait, season_id: i64) -> Result<Vec<Idea>> {
    Ok(idea::Entity::find()
        .filter(idea::Column::SeasonId.eq(season_id))
        .order_by_desc(idea::Column::CreatedAt)
        .order_by_desc(idea::Column::Id)
        .all(conn)
        .await?)
}

/// A person's own ideas, newest first.
pub async fn by_author(conn: &impl ConnectionTrait, account_id: i64) -> Result<Vec<Idea>> {
    Ok(idea::Entity::find()
        .filter(
            Condition::any()
                .add(idea::Column::AuthorId.eq(account_id))
                .add(idea::Column::SubmittedBy.eq(account_id)),
        )
        .order_by_desc(idea::Column::CreatedAt)
        .limit(100)
        .all(conn)
        .await?)
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64> {
    Ok(idea::Entity::find().count(conn).await?)
}

/// The ids of an idea's photos, in the order they were added.
pub async fn photo_ids(conn: &impl ConnectionTrait, idea_id: i64) -> Result<Vec<i64>> {
    use crate::entity::idea_photo;
    Ok(idea_photo::Entity::find()
        .select_only()
        .column(idea_photo::Column::Id)
        .filter(idea_photo::Column::IdeaId.eq(idea_id))
        .order_by_asc(idea_photo::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Stores a photo already re-encoded (and stripped of metadata) by the caller.
pub async fn add_photo(
    conn: &impl ConnectionTrait,
    idea_id: i64,
    (width, height): (u32, u32),
    photo: Vec<u8>,
    thumbnail: Vec<u8>,
) -> Result<i64> {
    use crate::entity::idea_photo;
    let model = idea_photo::ActiveModel {
        id: NotSet,
        idea_id: Set(idea_id),
        width: Set(i32::try_from(width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(height).unwrap_or(i32::MAX)),
        photo: Set(photo),
        thumbnail: Set(thumbnail),
        created_at: Set(now_ms()),
    }
    .insert(conn)
    .await?;
    Ok(model.id)
}

/// A photo (or its thumbnail) of the given idea.
pub async fn photo(
    conn: &impl ConnectionTrait,
    idea_id: i64,
    photo_id: i64,
    thumbnail: bool,
) -> Result<Vec<u8>> {
    use crate::entity::idea_photo;
    let found = idea_photo::Entity::find_by_id(photo_id)
        .filter(idea_photo::Column::IdeaId.eq(idea_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(if thumbnail {
        found.thumbnail
    } else {
        found.photo
    })
}
