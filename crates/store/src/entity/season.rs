//! The `season` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "season")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub street_id: i64,
    pub year: i32,
    pub title: String,
    /// 1 to 8 (see `domain::season::Step`).
    pub current_step: i32,
    /// The most one proposal may ask for, an exact decimal in yuan; None for no cap.
    pub budget_cap: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
