//! The `idea_photo` table: re-encoded photos of an idea and their thumbnails.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idea_photo")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub idea_id: i64,
    pub width: i32,
    pub height: i32,
    /// JPEG, metadata removed.
    pub photo: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
