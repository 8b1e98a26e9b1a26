//! The `proposal_note` table: a coach's note on one section of a proposal.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_note")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub proposal_id: i64,
    /// The section's key (`background`, `goals`, … `budget`; see `domain::proposals::Section`).
    pub section: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub author_id: i64,
    /// The version the note was written against.
    pub version: i32,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
