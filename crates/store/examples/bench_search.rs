//! How long the idea wall's queries take without any cache in front of them, on the
//! district-scale demo (10,000 ideas in one season): the unfiltered wall, the wall of one
//! community, and two-word Chinese searches, each run one after another.
//!
//! `cargo run --release -p chuangxiang-store --example bench_search [-- DATABASE_URL]`
//! (default: a SQLite file in a temporary folder; a given database is erased first).

use chuangxiang_domain::ideas::{Sort, Status, similar};
use chuangxiang_store::{demo, ideas, migration::Migrator, org, season};
use sea_orm_migration::MigratorTrait;
use std::time::{Duration, Instant};

const QUERIES: [&str; 12] = [
    "停车 混乱",
    "照明 不足",
    "堆物 堆料",
    "缺少 座椅",
    "绿化 缺失",
    "噪音 扰民",
    "雨天 积水",
    "快递 乱放",
    "宠物 粪便",
    "儿童 活动",
    "垃圾 分类",
    "楼道 照明",
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what:<34} n={:<5} p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times
            .last()
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.path().display()));
    let db = chuangxiang_store::connect(&url).await?;
    Migrator::fresh(&db).await?;
    let started = Instant::now();
    demo::load_wangjing(&db).await?;
    demo::load_scale(&db, 43, 800, 200_000, 10_000, 2_000).await?;
    println!(
        "{} on {}: district-scale demo loaded in {:.1} s",
        chuangxiang_store::backend_name(&db),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        started.elapsed().as_secs_f64()
    );
    let street = org::first_street(&db).await?.ok_or("no street")?;
    let s = season::current(&db, street.id).await?.ok_or("no season")?;
    let communities = org::communities(&db, street.id).await?;
    let base = ideas::WallQuery {
        season_id: s.id,
        statuses: vec![Status::Accepted],
        sort: Sort::Newest,
        ..ideas::WallQuery::default()
    };
    let rounds = 200;
    let time = |q: ideas::WallQuery| {
        let db = db.clone();
        async move {
            let t = Instant::now();
            let (rows, total) = ideas::wall(&db, &q).await?;
            Ok::<_, chuangxiang_store::StoreError>((t.elapsed(), rows.len(), total))
        }
    };
    let mut wall = Vec::new();
    let mut by_community = Vec::new();
    let mut search = Vec::new();
    let mut matched = 0;
    for i in 0..rounds {
        wall.push(time(base.clone()).await?.0);
        by_community.push(
            time(ideas::WallQuery {
                community_id: Some(communities[i % communities.len()].id),
                ..base.clone()
            })
            .await?
            .0,
        );
        let (took, _, total) = time(ideas::WallQuery {
            terms: similar::terms(QUERIES[i % QUERIES.len()]),
            ..base.clone()
        })
        .await?;
        search.push(took);
        matched += total;
    }
    report("wall, first page, unfiltered", wall);
    report("wall, first page, one community", by_community);
    report("search, two words", search);
    println!(
        "searches matched {} ideas on average",
        matched / u64::try_from(rounds).unwrap_or(1)
    );
    Ok(())
}
