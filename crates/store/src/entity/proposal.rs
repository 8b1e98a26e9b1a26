//! The `proposal` table: proposals (提案) drafted in step 4; `content` is the latest version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub season_id: i64,
    pub community_id: i64,
    pub category_id: i64,
    /// The resident who started it; always on the team.
    pub owner_id: i64,
    pub title: String,
    /// `draft`, `ready` or `shortlisted` (see `domain::proposals::Status`).
    pub status: String,
    /// The five-haves sections and budget lines as JSON (`domain::proposals::Content`).
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// The budget lines' total, an exact decimal in yuan.
    pub budget_total: String,
    /// The number of the latest version; a save names the version it started from.
    pub version: i32,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: i64,
    /// The coach who signed off the readiness checklist, and for which version.
    pub ready_by: Option<i64>,
    pub ready_at: Option<i64>,
    pub ready_version: Option<i32>,
    pub shortlisted_by: Option<i64>,
    pub shortlisted_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
