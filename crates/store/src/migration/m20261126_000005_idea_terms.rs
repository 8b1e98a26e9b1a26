//! An inverted index of the ideas' search terms: one row per (term, idea), so a search reads
//! the few ideas holding each term instead of matching a pattern against every idea.

use super::utf8_table;
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                utf8_table(manager, "idea_term")
                    .col(big_pk_auto("id"))
                    .col(string_len("term", 40))
                    .col(big_integer("idea_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_idea_term_term_idea")
                    .table(Alias::new("idea_term"))
                    .col(Alias::new("term"))
                    .col(Alias::new("idea_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Ideas stored before the index existed: their terms are in `idea.search_terms`.
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, search_terms FROM idea",
            ))
            .await?;
        let mut pairs: Vec<(String, i64)> = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let terms: String = row.try_get("", "search_terms")?;
            let mut seen: Vec<&str> = Vec::new();
            for term in terms.split_whitespace() {
                if term.chars().count() <= 40 && !seen.contains(&term) {
                    seen.push(term);
                    pairs.push((term.to_owned(), id));
                }
            }
        }
        for chunk in pairs.chunks(500) {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new("idea_term"))
                .columns([Alias::new("term"), Alias::new("idea_id")]);
            for (term, id) in chunk {
                insert.values_panic([term.clone().into(), (*id).into()]);
            }
            manager.exec_stmt(insert.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("idea_term")).to_owned())
            .await
    }
}
