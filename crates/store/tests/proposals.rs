//! Proposals read back as the domain's aggregate, on a real SQLite database with the Wangjing
//! demo: typed status, team roles, the coach and the season's cap, and stored values the domain
//! cannot read refused rather than guessed.

use chuangxiang_domain::policy::TeamRole;
use chuangxiang_domain::proposals::BudgetCap;
use chuangxiang_domain::season::Step;
use chuangxiang_store::entity::{proposal, season as season_table};
use chuangxiang_store::{Db, StoreError, demo, demo_proposals, org, proposals, season};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

struct Fixture {
    db: Db,
    _dir: tempfile::TempDir,
    season: i64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let db = chuangxiang_store::connect(&url).await.expect("connect");
    chuangxiang_store::migrate(&db).await.expect("migrate");
    demo::load_wangjing(&db).await.expect("demo");
    let street = org::first_street(&db)
        .await
        .expect("query")
        .expect("street")
        .id;
    let season = season::current(&db, street)
        .await
        .expect("query")
        .expect("the demo season")
        .id;
    Fixture {
        db,
        _dir: dir,
        season,
    }
}

async fn first_proposal(f: &Fixture) -> i64 {
    proposals::of_season(&f.db, f.season)
        .await
        .expect("proposals")
        .first()
        .expect("the demo has proposals")
        .id
}

#[tokio::test]
async fn a_proposal_loads_with_its_status_team_coach_and_the_seasons_cap() {
    let f = fixture().await;
    let id = first_proposal(&f).await;
    let p = proposals::load(&f.db, id).await.expect("loads");
    let row = proposals::get(&f.db, id).await.expect("row");
    assert_eq!(p.status.key(), row.status);
    assert_eq!(p.version, row.version);
    assert_eq!(p.season.step, Step::ProposalDrafting);
    assert_eq!(p.season.cap, BudgetCap::parse(demo_proposals::CAP));
    assert_eq!(p.team.first().map(|m| m.role), Some(TeamRole::Owner));
    assert_eq!(
        p.coach_org,
        proposals::coach_of(&f.db, row.season_id, row.community_id)
            .await
            .expect("coach")
    );
    assert!(matches!(
        proposals::load(&f.db, 999_999).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_stored_cap_that_does_not_read_as_one_is_an_error_not_no_cap() {
    let f = fixture().await;
    let id = first_proposal(&f).await;
    season_table::Entity::update_many()
        .col_expr(season_table::Column::BudgetCap, Expr::value("五万元"))
        .filter(season_table::Column::Id.eq(f.season))
        .exec(&f.db)
        .await
        .expect("cap spoiled");
    assert!(matches!(
        proposals::load(&f.db, id).await,
        Err(StoreError::Database(_))
    ));
    season_table::Entity::update_many()
        .col_expr(
            season_table::Column::BudgetCap,
            Expr::value(Option::<String>::None),
        )
        .filter(season_table::Column::Id.eq(f.season))
        .exec(&f.db)
        .await
        .expect("cap removed");
    let p = proposals::load(&f.db, id).await.expect("loads");
    assert_eq!(p.season.cap, None);
}

#[tokio::test]
async fn a_status_the_domain_does_not_know_is_an_error() {
    let f = fixture().await;
    let id = first_proposal(&f).await;
    proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value("archived"))
        .filter(proposal::Column::Id.eq(id))
        .exec(&f.db)
        .await
        .expect("status spoiled");
    assert!(matches!(
        proposals::load(&f.db, id).await,
        Err(StoreError::Database(_))
    ));
    let row = proposals::get(&f.db, id).await.expect("row");
    assert!(proposals::status_of(&row).is_err());
}
