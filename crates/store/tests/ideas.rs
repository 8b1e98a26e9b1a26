//! Golden ideas in storage, on a real SQLite database with the Wangjing demo and a season of
//! the tests' own.

use chuangxiang_domain::ideas::{IdeaText, Sort, Status, similar};
use chuangxiang_domain::season::Step;
use chuangxiang_store::{Db, StoreError, accounts, demo, ideas, org, season};

struct Fixture {
    db: Db,
    _dir: tempfile::TempDir,
    street: i64,
    season: i64,
    community: i64,
    category: i64,
    author: i64,
    neighbour: i64,
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
    // A season of its own, so that the demo's 2017 ideas stay out of the way.
    let season = season::create(&db, None, street, 2018, "2018年测试", Step::IdeaCollection)
        .await
        .expect("season opened");
    let community = org::communities(&db, street).await.expect("communities")[2].id;
    let category = ideas::categories(&db, season).await.expect("categories")[0].id;
    let phone = |p: &str| chuangxiang_domain::account::Phone::parse(p).expect("phone");
    let author = accounts::by_phone(&db, &phone("13800000004"))
        .await
        .expect("q")
        .expect("resident")
        .id;
    let neighbour = accounts::by_phone(&db, &phone("13800000010"))
        .await
        .expect("q")
        .expect("resident")
        .id;
    Fixture {
        db,
        _dir: dir,
        street,
        season,
        community,
        category,
        author,
        neighbour,
    }
}

async fn submit(f: &Fixture, title: &str, description: &str) -> i64 {
    let text = IdeaText::parse(title, description, "").expect("valid idea");
    ideas::submit(
        &f.db,
        ideas::NewIdea {
            season_id: f.season,
            street_id: f.street,
            community_id: f.community,
            category_id: f.category,
            author_id: Some(f.author),
            organisation_id: None,
            submitted_by: f.author,
            author_name: None,
            text: &text,
            paper_form: None,
            late: false,
        },
    )
    .await
    .expect("submitted")
}

#[tokio::test]
async fn a_new_season_has_the_five_default_categories() {
    let f = fixture().await;
    let names: Vec<String> = ideas::categories(&f.db, f.season)
        .await
        .expect("q")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names,
        [
            "社区环境治理",
            "社区安全",
            "文化服务",
            "社区共建",
            "民生服务"
        ]
    );
}

#[tokio::test]
async fn a_support_counts_once_however_often_it_is_clicked() {
    let f = fixture().await;
    let id = submit(&f, "萌宠俱乐部", "文明养犬").await;
    ideas::support(&f.db, id, f.neighbour)
        .await
        .expect("first support");
    assert!(matches!(
        ideas::support(&f.db, id, f.neighbour).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(ideas::get(&f.db, id).await.expect("idea").supports, 1);
    assert!(
        ideas::has_supported(&f.db, id, f.neighbour)
            .await
            .expect("q")
    );
}

#[tokio::test]
async fn an_idea_is_reviewed_once_and_the_review_is_audited() {
    let f = fixture().await;
    let id = submit(&f, "社区菜园", "认领种植").await;
    ideas::review(
        &f.db,
        f.author,
        f.street,
        id,
        Status::Declined,
        Some("不属于公共事务"),
        None,
    )
    .await
    .expect("declined");
    let again = ideas::review(&f.db, f.author, f.street, id, Status::Accepted, None, None).await;
    assert!(
        matches!(again, Err(StoreError::Conflict)),
        "a second review loses"
    );
    let idea = ideas::get(&f.db, id).await.expect("idea");
    assert_eq!(idea.status, "declined");
    assert_eq!(idea.status_reason.as_deref(), Some("不属于公共事务"));
    let filter = chuangxiang_store::audit::Filter {
        action: Some(chuangxiang_domain::audit::AuditAction::IdeaDeclined),
        ..Default::default()
    };
    let (rows, total) = chuangxiang_store::audit::list(&f.db, f.street, &filter, 0)
        .await
        .expect("audit");
    assert_eq!(total, 1);
    assert_eq!(rows[0].subject, format!("idea:{id}"));
}

#[tokio::test]
async fn merging_a_duplicate_moves_its_supporters_to_the_idea_it_joins() {
    let f = fixture().await;
    let original = submit(&f, "楼道里堆的杂物谁来清", "楼道堆物").await;
    let duplicate = submit(&f, "楼道堆物", "清理楼道").await;
    ideas::support(&f.db, duplicate, f.neighbour)
        .await
        .expect("support");
    ideas::review(
        &f.db,
        f.author,
        f.street,
        duplicate,
        Status::Merged,
        None,
        Some(original),
    )
    .await
    .expect("merged");
    let joined = ideas::get(&f.db, original).await.expect("idea");
    assert_eq!(joined.supports, 1);
    assert!(
        ideas::has_supported(&f.db, original, f.neighbour)
            .await
            .expect("q")
    );
    assert_eq!(
        ideas::get(&f.db, duplicate)
            .await
            .expect("idea")
            .merged_into,
        Some(original)
    );
}

#[tokio::test]
async fn the_wall_finds_accepted_ideas_by_chinese_words_only() {
    let f = fixture().await;
    let library = submit(&f, "流动图书馆", "亲子阅读，孩子放下手机拿起纸质书").await;
    let bikes = submit(&f, "大战僵尸单车", "清理废旧自行车").await;
    let waiting = submit(&f, "儿童阅读角", "阅读").await;
    for id in [library, bikes] {
        ideas::review(&f.db, f.author, f.street, id, Status::Accepted, None, None)
            .await
            .expect("accepted");
    }
    let query = |text: &str| ideas::WallQuery {
        season_id: f.season,
        statuses: vec![Status::Accepted],
        terms: similar::terms(text),
        sort: Sort::Newest,
        ..Default::default()
    };
    let (rows, total) = ideas::wall(&f.db, &query("亲子阅读")).await.expect("wall");
    assert_eq!(total, 1);
    assert_eq!(rows[0].id, library);
    let (rows, _) = ideas::wall(&f.db, &query("单车")).await.expect("wall");
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![bikes]);
    let (rows, _) = ideas::wall(&f.db, &query("阅读")).await.expect("wall");
    assert!(
        rows.iter().all(|r| r.id != waiting),
        "ideas under review stay off the wall"
    );
    let (_, total) = ideas::wall(&f.db, &query("100%_"))
        .await
        .expect("wildcards are literal");
    assert_eq!(total, 0);
}

#[tokio::test]
async fn similar_candidates_include_the_earlier_hallway_idea() {
    let f = fixture().await;
    let hallway = submit(&f, "楼道里堆的杂物谁来清", "楼道堆物影响消防").await;
    submit(&f, "萌宠俱乐部", "文明养犬").await;
    let terms = similar::terms("楼道堆物");
    let candidates = ideas::similar_candidates(&f.db, f.season, &terms)
        .await
        .expect("q");
    let ranked = similar::rank(
        "楼道堆物",
        candidates.iter().map(|(id, t)| (*id, t.as_str())),
        5,
    );
    assert_eq!(ranked.first().map(|r| r.0), Some(hallway));
}
