//! Migrations, the same on SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Each migration is written out column by column rather than derived from the entities, so
//! that an old database upgrades through the same steps a new one was built by.

use sea_orm_migration::prelude::*;

mod m20261126_000001_foundation;
mod m20261126_000002_ideas;
mod m20261126_000003_idea_photos;
mod m20261126_000004_proposals;
mod m20261126_000005_idea_terms;
mod m20261126_000006_rounds;
mod m20261127_000007_paper_judges;
mod m20261127_000008_foreign_keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_foundation::Migration),
            Box::new(m20261126_000002_ideas::Migration),
            Box::new(m20261126_000003_idea_photos::Migration),
            Box::new(m20261126_000004_proposals::Migration),
            Box::new(m20261126_000005_idea_terms::Migration),
            Box::new(m20261126_000006_rounds::Migration),
            Box::new(m20261127_000007_paper_judges::Migration),
            Box::new(m20261127_000008_foreign_keys::Migration),
        ]
    }
}

/// A `CREATE TABLE` that stores Chinese text on MySQL/MariaDB whatever the server's default
/// character set is (it is often latin1).
///
/// The collation is binary, as text compares on SQLite and PostgreSQL: `utf8mb4_unicode_ci`
/// would make a unique name refuse "SUNSHINE" beside "Sunshine", "１" beside "1", and any
/// two names that differ only in a character beyond the BMP (emoji, rare hanzi of CJK
/// extension B, which all weigh the same there).
pub(crate) fn utf8_table(manager: &SchemaManager, name: &'static str) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Alias::new(name)).if_not_exists();
    if manager.get_database_backend() == sea_orm::DatabaseBackend::MySql {
        table.character_set("utf8mb4").collate("utf8mb4_bin");
    }
    table
}

/// An index on `table`'s columns, unique or not.
pub(crate) async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for c in cols {
        index.col(Alias::new(*c));
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}
