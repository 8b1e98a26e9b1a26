//! The `sheet` table: one judge's score sheet for one proposal, locked once submitted.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sheet")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub proposal_id: i64,
    pub account_id: i64,
    /// Criterion key to score, as JSON with decimal strings.
    #[sea_orm(column_type = "Text")]
    pub scores: String,
    /// The judge, or the staff member who typed in a paper sheet.
    pub entered_by: i64,
    pub paper: bool,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
