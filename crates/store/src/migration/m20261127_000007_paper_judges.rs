//! Judges who score on paper: chosen when the judge is added, so that staff typing a paper
//! sheet in the name of a judge who scores on a phone is the exception, with a reason.
//!
//! Judges added before this migration score on a phone: the safe default, since a paper sheet
//! for them still goes in, only with a reason. Their sheets keep their own `sheet.paper`, so
//! the published files still say which sheets came from paper.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("judge"))
                    .add_column(boolean("paper").default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("judge"))
                    .drop_column(Alias::new("paper"))
                    .to_owned(),
            )
            .await
    }
}
