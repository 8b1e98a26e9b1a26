//! Seasons and their eight steps.

use crate::audit::{self, Entry};
use crate::entity::{season, season_step};
use crate::{Result, StoreError, now_ms};
use chrono::NaiveDate;
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_domain::season::{self as rules, PlannedStep, SeasonError, Step};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Serialize;

pub use season::Model as Season;
pub use season_step::Model as SeasonStep;

/// A season change refused by the programme's rules, or failed in storage.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Rule(#[from] SeasonError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for ChangeError {
    fn from(e: sea_orm::DbErr) -> Self {
        ChangeError::Store(e.into())
    }
}

/// The street's current season: the one of the latest year.
pub async fn current(conn: &impl ConnectionTrait, street_id: i64) -> Result<Option<Season>> {
    Ok(season::Entity::find()
        .filter(season::Column::StreetId.eq(street_id))
        .order_by_desc(season::Column::Year)
        .one(conn)
        .await?)
}

pub async fn by_id(conn: &impl ConnectionTrait, id: i64) -> Result<Season> {
    season::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The planned dates of a season's eight steps, in order.
pub async fn steps(conn: &impl ConnectionTrait, season_id: i64) -> Result<Vec<SeasonStep>> {
    Ok(season_step::Entity::find()
        .filter(season_step::Column::SeasonId.eq(season_id))
        .order_by_asc(season_step::Column::Step)
        .all(conn)
        .await?)
}

#[derive(Serialize)]
struct SeasonAudit<'a> {
    year: i32,
    title: &'a str,
    step: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// Opens a season for a street at its first step, with an empty calendar.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    actor_id: Option<i64>,
    street_id: i64,
    year: i32,
    title: &str,
    step: Step,
) -> Result<i64, ChangeError> {
    rules::check_season(year, title)?;
    let txn = db.begin().await?;
    let model = season::ActiveModel {
        id: NotSet,
        street_id: Set(street_id),
        year: Set(year),
        title: Set(title.trim().to_owned()),
        current_step: Set(step.number()),
        budget_cap: Set(None),
        created_at: Set(now_ms()),
    }
    .insert(&txn)
    .await?;
    season_step::Entity::insert_many(Step::ALL.iter().map(|s| season_step::ActiveModel {
        id: NotSet,
        season_id: Set(model.id),
        step: Set(s.number()),
        starts: Set(None),
        ends: Set(None),
    }))
    .exec(&txn)
    .await?;
    crate::ideas::add_default_categories(&txn, model.id).await?;
    audit::record(
        &txn,
        Entry {
            actor_id,
            street_id: Some(street_id),
            action: AuditAction::SeasonCreated,
            subject: format!("season:{}", model.id),
            before: None,
            after: Some(&SeasonAudit {
                year,
                title: &model.title,
                step: step.number(),
                reason: None,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

/// Moves a season one step on (`reason` None) or one step back (with a reason).
/// `expected` is the step the admin saw, so that two admins clicking at once move it once.
pub async fn change_step(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    season_id: i64,
    expected: Step,
    back_reason: Option<&str>,
) -> Result<Step, ChangeError> {
    let txn = db.begin().await?;
    let before = by_id(&txn, season_id).await?;
    let current = Step::from_number(before.current_step).ok_or(StoreError::NotFound)?;
    if current != expected {
        return Err(StoreError::Conflict.into());
    }
    let (next, reason, action) = match back_reason {
        None => (rules::advance(current)?, None, AuditAction::SeasonAdvanced),
        Some(r) => {
            let (prev, reason) = rules::move_back(current, r)?;
            (prev, Some(reason), AuditAction::SeasonMovedBack)
        }
    };
    // Conditional update: only if nobody moved it since we read it.
    let res = season::Entity::update_many()
        .col_expr(
            season::Column::CurrentStep,
            sea_orm::sea_query::Expr::value(next.number()),
        )
        .filter(season::Column::Id.eq(season_id))
        .filter(season::Column::CurrentStep.eq(current.number()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict.into());
    }
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(before.street_id),
            action,
            subject: format!("season:{season_id}"),
            before: Some(&SeasonAudit {
                year: before.year,
                title: &before.title,
                step: current.number(),
                reason: None,
            }),
            after: Some(&SeasonAudit {
                year: before.year,
                title: &before.title,
                step: next.number(),
                reason: reason.as_deref(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(next)
}

#[derive(Serialize)]
struct CalendarAudit {
    steps: Vec<(i32, Option<NaiveDate>, Option<NaiveDate>)>,
}

/// Sets the planned dates of all eight steps at once, after checking them.
pub async fn set_calendar(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    season_id: i64,
    plan: &[PlannedStep],
) -> Result<(), ChangeError> {
    rules::check_calendar(plan)?;
    let txn = db.begin().await?;
    let season = by_id(&txn, season_id).await?;
    let before = steps(&txn, season_id).await?;
    for p in plan {
        let Some(row) = before.iter().find(|s| s.step == p.step.number()) else {
            continue;
        };
        let mut active: season_step::ActiveModel = row.clone().into();
        active.starts = Set(Some(p.starts));
        active.ends = Set(Some(p.ends));
        active.update(&txn).await?;
    }
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(season.street_id),
            action: AuditAction::SeasonCalendarSet,
            subject: format!("season:{season_id}"),
            before: Some(&CalendarAudit {
                steps: before.iter().map(|s| (s.step, s.starts, s.ends)).collect(),
            }),
            after: Some(&CalendarAudit {
                steps: plan
                    .iter()
                    .map(|p| (p.step.number(), Some(p.starts), Some(p.ends)))
                    .collect(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets (or, with None, lifts) the cap on one proposal's budget, an exact decimal in yuan.
pub async fn set_budget_cap(
    db: &sea_orm::DatabaseConnection,
    season_id: i64,
    street_id: i64,
    by: i64,
    cap: Option<String>,
) -> Result<()> {
    let txn = db.begin().await?;
    let before = by_id(&txn, season_id).await?;
    season::Entity::update_many()
        .col_expr(
            season::Column::BudgetCap,
            sea_orm::sea_query::Expr::value(cap.clone()),
        )
        .filter(season::Column::Id.eq(season_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(by),
            street_id: Some(street_id),
            action: AuditAction::SeasonBudgetCapSet,
            subject: format!("season:{season_id}"),
            before: Some(&before.budget_cap),
            after: Some(&cap),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
