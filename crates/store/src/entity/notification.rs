//! The `notification` table: what concerns one person: an idea reviewed, a coach's note, a shortlisting.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    /// The message id suffix, e.g. `idea-accepted` (message `notice-idea-accepted`).
    pub kind: String,
    /// The idea's or proposal's title, shown in the message.
    pub subject: String,
    /// Where the notification leads, a path on this site.
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
