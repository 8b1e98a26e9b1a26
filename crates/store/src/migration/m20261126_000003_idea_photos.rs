//! Photos of golden ideas, stored in the database so that every server process sees them.

use super::utf8_table;
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A column for a photo's bytes: MySQL's plain BLOB stops at 64 KB.
fn bytes_column(manager: &SchemaManager, name: &'static str) -> ColumnDef {
    let mut col = ColumnDef::new(Alias::new(name));
    if manager.get_database_backend() == DatabaseBackend::MySql {
        col.custom(Alias::new("MEDIUMBLOB"));
    } else {
        col.blob();
    }
    col.not_null();
    col
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                utf8_table(manager, "idea_photo")
                    .col(big_pk_auto("id"))
                    .col(big_integer("idea_id"))
                    .col(integer("width"))
                    .col(integer("height"))
                    .col(bytes_column(manager, "photo"))
                    .col(bytes_column(manager, "thumbnail"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idea_photo_idea_id")
                    .table(Alias::new("idea_photo"))
                    .col(Alias::new("idea_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("idea_photo")).to_owned())
            .await
    }
}
