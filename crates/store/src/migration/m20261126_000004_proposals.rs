//! Proposals (step 4): the season's budget cap and coaching assignments, proposals with their
//! ideas, teams, versions and coaching notes, and each person's notifications.

use super::{index, utf8_table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // An exact decimal in yuan, as text: the same digits on every engine.
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("season"))
                    .add_column(string_len_null("budget_cap", 30))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                utf8_table(manager, "coaching")
                    .col(big_pk_auto("id"))
                    .col(big_integer("season_id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("organisation_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_coaching_season_community",
            "coaching",
            &["season_id", "community_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "proposal")
                    .col(big_pk_auto("id"))
                    .col(big_integer("season_id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("category_id"))
                    .col(big_integer("owner_id"))
                    .col(string_len("title", 60))
                    .col(string_len("status", 20))
                    .col(text("content"))
                    .col(string_len("budget_total", 30))
                    .col(integer("version"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .col(big_integer("updated_by"))
                    .col(big_integer_null("ready_by"))
                    .col(big_integer_null("ready_at"))
                    .col(integer_null("ready_version"))
                    .col(big_integer_null("shortlisted_by"))
                    .col(big_integer_null("shortlisted_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_proposal_season_community",
            "proposal",
            &["season_id", "community_id", "status"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_proposal_season_status",
            "proposal",
            &["season_id", "status"],
            false,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "proposal_idea")
                    .col(big_pk_auto("id"))
                    .col(big_integer("proposal_id"))
                    .col(big_integer("idea_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_proposal_idea",
            "proposal_idea",
            &["proposal_id", "idea_id"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_proposal_idea_idea",
            "proposal_idea",
            &["idea_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "proposal_member")
                    .col(big_pk_auto("id"))
                    .col(big_integer("proposal_id"))
                    .col(big_integer("account_id"))
                    .col(string_len("status", 20))
                    .col(big_integer("invited_by"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_proposal_member",
            "proposal_member",
            &["proposal_id", "account_id"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_proposal_member_account",
            "proposal_member",
            &["account_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "proposal_version")
                    .col(big_pk_auto("id"))
                    .col(big_integer("proposal_id"))
                    .col(integer("number"))
                    .col(string_len("title", 60))
                    .col(text("content"))
                    .col(string_len("budget_total", 30))
                    .col(big_integer("saved_by"))
                    .col(big_integer("saved_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_proposal_version",
            "proposal_version",
            &["proposal_id", "number"],
            true,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "proposal_note")
                    .col(big_pk_auto("id"))
                    .col(big_integer("proposal_id"))
                    .col(string_len("section", 20))
                    .col(text("body"))
                    .col(big_integer("author_id"))
                    .col(integer("version"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_proposal_note_proposal",
            "proposal_note",
            &["proposal_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "notification")
                    .col(big_pk_auto("id"))
                    .col(big_integer("account_id"))
                    .col(string_len("kind", 40))
                    .col(string_len("subject", 120))
                    .col(string_len("link", 200))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("read_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_notification_account_created",
            "notification",
            &["account_id", "created_at"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "notification",
            "proposal_note",
            "proposal_version",
            "proposal_member",
            "proposal_idea",
            "proposal",
            "coaching",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("season"))
                    .drop_column(Alias::new("budget_cap"))
                    .to_owned(),
            )
            .await
    }
}
