//! The `account` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Eleven digits; None for a resident who does not use a phone.
    pub phone: Option<String>,
    /// argon2 PHC string; None until a password is set (imported or proxy accounts).
    pub password_hash: Option<String>,
    pub display_name: String,
    pub community_id: Option<i64>,
    /// For an account a coordinator created for someone: how their consent was recorded.
    pub proxy_consent: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub demo: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
