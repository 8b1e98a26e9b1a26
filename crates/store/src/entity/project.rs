//! The `project` table: a funded project: a winning proposal of a confirmed round.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub season_id: i64,
    pub round_id: i64,
    pub proposal_id: i64,
    pub community_id: i64,
    pub title: String,
    /// Exact decimal yuan.
    pub approved_budget: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
