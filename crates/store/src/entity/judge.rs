//! The `judge` table: a judge of a round, in one jury group.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "judge")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub account_id: i64,
    pub group_key: String,
    /// SHA-256 of the one-time login card's token, until it is used.
    pub login_token_hash: Option<String>,
    pub created_at: i64,
    /// Scores on paper: staff type in the judge's sheets (see `domain::rounds::SheetSource`).
    pub paper: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
