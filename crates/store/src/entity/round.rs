//! The `round` table: a competition round of a season (a preliminary or the final).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub season_id: i64,
    pub name: String,
    /// `setup`, `open`, `closed`, `published` or `confirmed` (see `domain::rounds::RoundStatus`).
    pub status: String,
    /// rules.toml, as scoring.md describes it.
    #[sea_orm(column_type = "Text")]
    pub rules: String,
    /// The seed the running order was drawn with and ties are broken with, published.
    pub seed: String,
    pub drawn: bool,
    /// The proposal on stage, and since when (ms).
    pub presenting: Option<i64>,
    pub presenting_since: Option<i64>,
    /// results.csv, computed when the round closed.
    #[sea_orm(column_type = "Text", nullable)]
    pub results: Option<String>,
    pub notice_starts: Option<Date>,
    pub notice_ends: Option<Date>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub published_at: Option<i64>,
    pub confirmed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
