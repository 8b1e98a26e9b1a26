//! Golden ideas: the season's categories, ideas and residents' supports.

use super::utf8_table;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                utf8_table(manager, "season_category")
                    .col(big_pk_auto("id"))
                    .col(big_integer("season_id"))
                    .col(string_len("name", 30))
                    .col(integer("position"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_season_category_season_id_name")
                    .table(Alias::new("season_category"))
                    .col(Alias::new("season_id"))
                    .col(Alias::new("name"))
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Seasons opened before ideas existed get the default categories.
        for (position, name) in chuangxiang_domain::ideas::DEFAULT_CATEGORIES
            .iter()
            .enumerate()
        {
            let insert = Query::insert()
                .into_table(Alias::new("season_category"))
                .columns([
                    Alias::new("season_id"),
                    Alias::new("name"),
                    Alias::new("position"),
                ])
                .select_from(
                    Query::select()
                        .column(Alias::new("id"))
                        .expr(Expr::val(*name))
                        .expr(Expr::val(
                            <i32 as std::convert::TryFrom<usize>>::try_from(position).unwrap_or(0)
                                + 1,
                        ))
                        .from(Alias::new("season"))
                        .to_owned(),
                )
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        manager
            .create_table(
                utf8_table(manager, "idea")
                    .col(big_pk_auto("id"))
                    .col(big_integer("season_id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("category_id"))
                    .col(big_integer_null("author_id"))
                    .col(big_integer_null("organisation_id"))
                    .col(big_integer("submitted_by"))
                    .col(string_len_null("author_name", 60))
                    .col(string_len("title", 60))
                    .col(text("description"))
                    .col(string_len("place", 120))
                    .col(string_len("status", 20))
                    .col(text_null("status_reason"))
                    .col(big_integer_null("merged_into"))
                    .col(string_len_null("paper_form_number", 40))
                    .col(date_null("paper_form_date"))
                    .col(string_len_null("consent", 500))
                    .col(boolean("late").default(false))
                    .col(integer("supports").default(0))
                    .col(text("search_terms"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("reviewed_by"))
                    .col(big_integer_null("reviewed_at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_idea_season_status_created",
                &["season_id", "status", "created_at"][..],
            ),
            (
                "ix_idea_season_community_status",
                &["season_id", "community_id", "status"][..],
            ),
            ("ix_idea_author", &["author_id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Alias::new("idea"));
            for c in cols {
                index.col(Alias::new(*c));
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                utf8_table(manager, "idea_support")
                    .col(big_pk_auto("id"))
                    .col(big_integer("idea_id"))
                    .col(big_integer("account_id"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idea_support_idea_id_account_id")
                    .table(Alias::new("idea_support"))
                    .col(Alias::new("idea_id"))
                    .col(Alias::new("account_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["idea_support", "idea", "season_category"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
