//! Rounds read back as the domain's aggregate, on a real SQLite database with the Wangjing demo:
//! the running order with each proposal's title, community and cost, judges in the order they
//! were added, recusals and sheets typed, and stored values the domain cannot read refused
//! rather than guessed.

use chuangxiang_domain::competition::Rules;
use chuangxiang_domain::rounds::{RoundError, RoundStatus, SheetSource, default_rules};
use chuangxiang_store::entity::{proposal, sheet};
use chuangxiang_store::{Db, StoreError, demo, org, rounds, season};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

struct Fixture {
    db: Db,
    _dir: tempfile::TempDir,
    round: i64,
    street: i64,
    /// In the drawn order.
    order: Vec<i64>,
}

/// An open round of two shortlisted demo proposals with one public judge created on the spot,
/// the first proposal on stage and the judge's sheet for it in.
async fn open_round() -> Fixture {
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
    let shortlisted = proposal::Entity::find()
        .filter(proposal::Column::SeasonId.eq(season))
        .filter(proposal::Column::Status.eq("shortlisted"))
        .order_by_asc(proposal::Column::Id)
        .all(&db)
        .await
        .expect("proposals");
    assert!(shortlisted.len() >= 2, "the demo shortlists proposals");
    let ids = [shortlisted[0].id, shortlisted[1].id];
    // The host: a real account, for the audit log.
    let by = shortlisted[0].owner_id;
    let rules = default_rules("load-test");
    let round = rounds::create(
        &db,
        rounds::NewRound {
            season_id: season,
            street_id: street,
            by,
            name: "测试轮",
            rules: &rules,
            seed: "load-test",
            proposal_ids: &ids,
        },
    )
    .await
    .expect("a round");
    rounds::add_judge(
        &db,
        round,
        street,
        by,
        rounds::NewJudge {
            account_id: None,
            new_name: Some("评委甲"),
            group: "expert",
            public: false,
            token_hash: None,
        },
    )
    .await
    .expect("a judge");
    let order = vec![ids[1], ids[0]];
    rounds::draw(&db, round, street, by, &order)
        .await
        .expect("drawn");
    rounds::open(&db, round, street, by).await.expect("open");
    rounds::present(&db, round, street, by, order[0])
        .await
        .expect("on stage");
    let judge = rounds::judges(&db, round).await.expect("judges")[0].account_id;
    let scores = r#"{"goals":"18","methods":"17","steps":"12","plan":"13","guarantees":"14","presentation":"12.5"}"#;
    rounds::submit_sheet(
        &db,
        round,
        street,
        rounds::NewSheet {
            proposal_id: order[0],
            account_id: judge,
            scores_json: scores,
            entered_by: judge,
            paper: false,
        },
    )
    .await
    .expect("a sheet");
    Fixture {
        db,
        _dir: dir,
        round,
        street,
        order,
    }
}

#[tokio::test]
async fn a_round_loads_with_its_order_judges_and_sheets_and_answers_for_them() {
    let f = open_round().await;
    let r = rounds::load(&f.db, f.round).await.expect("loads");
    assert_eq!(r.status, RoundStatus::Open);
    assert_eq!(r.street_id, f.street);
    assert_eq!(
        r.rules,
        Rules::from_toml(&default_rules("load-test")).expect("rules")
    );
    let order: Vec<(i64, Option<i32>)> = r
        .proposals
        .iter()
        .map(|p| (p.proposal_id, p.position))
        .collect();
    assert_eq!(
        order,
        vec![(f.order[0], Some(1)), (f.order[1], Some(2))],
        "in running order"
    );
    let first = r.proposal(f.order[0]).expect("in the round");
    assert!(!first.title.is_empty() && !first.community.is_empty());
    let judge = r.judges[0].account_id;
    assert_eq!(r.judges[0].source, SheetSource::Phone);
    assert_eq!(r.label(judge).as_deref(), Some("J01"));
    let sheet = r.sheet(judge, f.order[0]).expect("the sheet");
    assert_eq!(sheet.scores["presentation"].to_string(), "12.5");
    assert_eq!(
        r.may_submit(judge, f.order[0]),
        Err(RoundError::AlreadySubmitted)
    );
    assert_eq!(
        r.may_submit(judge, f.order[1]),
        Err(RoundError::NotPresented)
    );
    assert!(r.progress(f.order[0]).complete());
    let files = r.files(None).expect("files");
    assert!(files.scores.contains(",J01,expert,presentation,12.5,phone"));
    assert!(matches!(
        rounds::load(&f.db, 999_999).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_stored_sheet_that_does_not_read_as_scores_is_an_error_not_skipped() {
    let f = open_round().await;
    sheet::Entity::update_many()
        .col_expr(sheet::Column::Scores, Expr::value("十八分"))
        .filter(sheet::Column::RoundId.eq(f.round))
        .exec(&f.db)
        .await
        .expect("corrupt the sheet");
    assert!(matches!(
        rounds::load(&f.db, f.round).await,
        Err(StoreError::Database(_))
    ));
}
