//! The `coaching` table: which social organisation coaches a community in a season.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coaching")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub season_id: i64,
    pub community_id: i64,
    pub organisation_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
