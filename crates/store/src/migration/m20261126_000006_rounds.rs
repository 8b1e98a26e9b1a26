//! Competition rounds (steps 5 and 6): proposals in a round and their running order, judges
//! and their one-time login cards, recusals, score sheets, objections in the notice period,
//! and the funded projects a confirmed round produces.

use super::{index, utf8_table};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                utf8_table(manager, "round")
                    .col(big_pk_auto("id"))
                    .col(big_integer("season_id"))
                    .col(string_len("name", 60))
                    .col(string_len("status", 20))
                    .col(text("rules"))
                    .col(string_len("seed", 100))
                    .col(boolean("drawn").default(false))
                    .col(big_integer_null("presenting"))
                    .col(big_integer_null("presenting_since"))
                    .col(text_null("results"))
                    .col(date_null("notice_starts"))
                    .col(date_null("notice_ends"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("closed_at"))
                    .col(big_integer_null("published_at"))
                    .col(big_integer_null("confirmed_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_round_season", "round", &["season_id"], false).await?;

        manager
            .create_table(
                utf8_table(manager, "round_proposal")
                    .col(big_pk_auto("id"))
                    .col(big_integer("round_id"))
                    .col(big_integer("proposal_id"))
                    .col(integer_null("position"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_round_proposal",
            "round_proposal",
            &["round_id", "proposal_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "judge")
                    .col(big_pk_auto("id"))
                    .col(big_integer("round_id"))
                    .col(big_integer("account_id"))
                    .col(string_len("group_key", 40))
                    .col(string_len_null("login_token_hash", 64))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_judge_round_account",
            "judge",
            &["round_id", "account_id"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_judge_token",
            "judge",
            &["login_token_hash"],
            false,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "recusal")
                    .col(big_pk_auto("id"))
                    .col(big_integer("round_id"))
                    .col(big_integer("account_id"))
                    .col(big_integer("proposal_id"))
                    .col(string_len("reason", 20))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_recusal",
            "recusal",
            &["round_id", "account_id", "proposal_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "sheet")
                    .col(big_pk_auto("id"))
                    .col(big_integer("round_id"))
                    .col(big_integer("proposal_id"))
                    .col(big_integer("account_id"))
                    .col(text("scores"))
                    .col(big_integer("entered_by"))
                    .col(boolean("paper").default(false))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        // One sheet per judge and proposal: a second submission, even at the same instant, fails.
        index(
            manager,
            "ux_sheet",
            "sheet",
            &["round_id", "proposal_id", "account_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "objection")
                    .col(big_pk_auto("id"))
                    .col(big_integer("round_id"))
                    .col(big_integer("account_id"))
                    .col(text("body"))
                    .col(text_null("answer"))
                    .col(big_integer_null("answered_by"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("answered_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_objection_round",
            "objection",
            &["round_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                utf8_table(manager, "project")
                    .col(big_pk_auto("id"))
                    .col(big_integer("season_id"))
                    .col(big_integer("round_id"))
                    .col(big_integer("proposal_id"))
                    .col(big_integer("community_id"))
                    .col(string_len("title", 60))
                    .col(string_len("approved_budget", 30))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_project_proposal",
            "project",
            &["proposal_id"],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "project",
            "objection",
            "sheet",
            "recusal",
            "judge",
            "round_proposal",
            "round",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
