//! The `idea_term` table: which ideas hold a search term (an inverted index).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idea_term")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub term: String,
    pub idea_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
