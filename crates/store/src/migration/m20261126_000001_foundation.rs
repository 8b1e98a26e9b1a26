//! The organisation model, accounts, sessions, the audit log and the season skeleton.

use super::utf8_table;
use chuangxiang_domain::org::SOCIETIES;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn unique(manager: &SchemaManager<'_>, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut index = Index::create();
    index
        .name(format!("ux_{}_{}", table, cols.join("_")))
        .table(Alias::new(table))
        .unique();
    for c in cols {
        index.col(Alias::new(*c));
    }
    manager.create_index(index.to_owned()).await
}

async fn index(manager: &SchemaManager<'_>, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut index = Index::create();
    index
        .name(format!("ix_{}_{}", table, cols.join("_")))
        .table(Alias::new(table));
    for c in cols {
        index.col(Alias::new(*c));
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                utf8_table(manager, "district")
                    .col(big_pk_auto("id"))
                    .col(string_len("name", 60))
                    .to_owned(),
            )
            .await?;
        unique(manager, "district", &["name"]).await?;

        manager
            .create_table(
                utf8_table(manager, "street")
                    .col(big_pk_auto("id"))
                    .col(big_integer("district_id"))
                    .col(string_len("name", 60))
                    .to_owned(),
            )
            .await?;
        unique(manager, "street", &["district_id", "name"]).await?;

        manager
            .create_table(
                utf8_table(manager, "community")
                    .col(big_pk_auto("id"))
                    .col(big_integer("street_id"))
                    .col(string_len("name", 60))
                    .col(boolean("demo").default(false))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        unique(manager, "community", &["street_id", "name"]).await?;

        manager
            .create_table(
                utf8_table(manager, "courtyard")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(string_len("name", 60))
                    .to_owned(),
            )
            .await?;
        unique(manager, "courtyard", &["community_id", "name"]).await?;

        manager
            .create_table(
                utf8_table(manager, "organisation")
                    .col(big_pk_auto("id"))
                    .col(big_integer("street_id"))
                    .col(string_len("kind", 20))
                    .col(string_len("name", 60))
                    .col(boolean("demo").default(false))
                    .to_owned(),
            )
            .await?;
        unique(manager, "organisation", &["street_id", "name"]).await?;

        manager
            .create_table(
                utf8_table(manager, "society")
                    .col(big_pk_auto("id"))
                    .col(string_len("key", 30))
                    .col(string_len("committee_zh", 60))
                    .col(string_len("committee_en", 100))
                    .col(string_len("society_zh", 60))
                    .col(string_len("society_en", 100))
                    .to_owned(),
            )
            .await?;
        unique(manager, "society", &["key"]).await?;
        let mut insert = Query::insert();
        insert.into_table(Alias::new("society")).columns(
            [
                "key",
                "committee_zh",
                "committee_en",
                "society_zh",
                "society_en",
            ]
            .map(Alias::new),
        );
        for s in SOCIETIES {
            insert.values_panic([
                s.key.into(),
                s.committee_zh.into(),
                s.committee_en.into(),
                s.society_zh.into(),
                s.society_en.into(),
            ]);
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                utf8_table(manager, "account")
                    .col(big_pk_auto("id"))
                    .col(string_len_null("phone", 11))
                    .col(string_len_null("password_hash", 200))
                    .col(string_len("display_name", 60))
                    .col(big_integer_null("community_id"))
                    .col(string_len_null("proxy_consent", 500))
                    .col(big_integer_null("created_by"))
                    .col(big_integer("created_at"))
                    .col(boolean("demo").default(false))
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in a unique index on all three engines, so many residents
        // without a phone can share the table.
        unique(manager, "account", &["phone"]).await?;
        index(manager, "account", &["community_id"]).await?;

        manager
            .create_table(
                utf8_table(manager, "role_grant")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    .col(string_len("role", 20))
                    .col(big_integer("scope_id"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        unique(manager, "role_grant", &["account_id", "role", "scope_id"]).await?;
        index(manager, "role_grant", &["role", "scope_id"]).await?;

        manager
            .create_table(
                utf8_table(manager, "session")
                    .col(string_len("id", 64).primary_key())
                    .col(big_integer("account_id"))
                    .col(big_integer("created_at"))
                    .col(big_integer("expires_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "session", &["account_id"]).await?;

        manager
            .create_table(
                utf8_table(manager, "audit_log")
                    .col(big_pk_auto("id"))
                    .col(big_integer("at"))
                    .col(big_integer_null("actor_id"))
                    .col(big_integer_null("street_id"))
                    .col(string_len("action", 60))
                    .col(string_len("subject", 100))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .to_owned(),
            )
            .await?;
        index(manager, "audit_log", &["street_id", "at"]).await?;
        index(manager, "audit_log", &["action"]).await?;

        manager
            .create_table(
                utf8_table(manager, "season")
                    .col(big_pk_auto("id"))
                    .col(big_integer("street_id"))
                    .col(integer("year"))
                    .col(string_len("title", 100))
                    .col(integer("current_step"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        unique(manager, "season", &["street_id", "year"]).await?;

        manager
            .create_table(
                utf8_table(manager, "season_step")
                    .col(big_pk_auto("id"))
                    .col(big_integer("season_id"))
                    .col(integer("step"))
                    .col(date_null("starts"))
                    .col(date_null("ends"))
                    .to_owned(),
            )
            .await?;
        unique(manager, "season_step", &["season_id", "step"]).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "season_step",
            "season",
            "audit_log",
            "session",
            "role_grant",
            "account",
            "society",
            "organisation",
            "courtyard",
            "community",
            "street",
            "district",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
