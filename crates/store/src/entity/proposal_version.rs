//! The `proposal_version` table: every saved revision of a proposal, kept whole.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub proposal_id: i64,
    /// 1, 2, 3… in the order they were saved.
    pub number: i32,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub budget_total: String,
    pub saved_by: i64,
    pub saved_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
