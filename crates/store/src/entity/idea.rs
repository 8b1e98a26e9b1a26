//! The `idea` table: golden ideas (金点子).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idea")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub season_id: i64,
    pub community_id: i64,
    pub category_id: i64,
    /// The resident whose idea it is (None for an organisation's idea).
    pub author_id: Option<i64>,
    /// The social organisation or unit that submitted it.
    pub organisation_id: Option<i64>,
    /// Who typed it in: the author, or a coordinator entering a paper form.
    pub submitted_by: i64,
    /// The name on a paper form whose resident has no account.
    pub author_name: Option<String>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub place: String,
    /// `submitted`, `accepted`, `merged` or `declined` (see `domain::ideas::Status`).
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub status_reason: Option<String>,
    pub merged_into: Option<i64>,
    pub paper_form_number: Option<String>,
    pub paper_form_date: Option<Date>,
    pub consent: Option<String>,
    /// A paper form typed in after step 3 ended.
    pub late: bool,
    pub supports: i32,
    /// Space-separated jieba terms of title and description, for search on every engine.
    #[sea_orm(column_type = "Text")]
    pub search_terms: String,
    pub created_at: i64,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
