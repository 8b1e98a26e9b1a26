//! The Wangjing demo (望京街道, Chaoyang district), loaded into an empty database so that a new
//! installation has something real to show, and a district-sized generator for benchmarks.
//!
//! The six communities and four social organisations the article names are used by name; the
//! other communities and every person are invented and marked `demo`.

use crate::entity::{account, community, district, organisation, role_grant, street};
use crate::{Result, StoreError, accounts, now_ms, season};
use chrono::NaiveDate;
use chuangxiang_domain::account::NewPassword;
use chuangxiang_domain::org::OrgKind;
use chuangxiang_domain::policy::Grant;
use chuangxiang_domain::season::{PlannedStep, Step};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

/// The password of every demo account, printed when the demo is loaded.
pub const DEMO_PASSWORD: &str = "chuangxiang2017";

/// The communities the article names.
pub const NAMED_COMMUNITIES: [&str; 6] = [
    "南湖西园二区",
    "圣星",
    "花西三",
    "南湖东园",
    "南湖中园",
    "望京西园三区",
];

/// Plausible others, to make up Wangjing's 22.
const OTHER_COMMUNITIES: [&str; 16] = [
    "望京西园四区",
    "花家地北里",
    "南湖西里",
    "望花路东里",
    "宝星园",
    "利泽西园",
    "夏都家园",
    "望京东园",
    "方舟苑",
    "望湖",
    "大西洋新城",
    "彩虹城",
    "望京园",
    "融科橄榄城",
    "南湖北园",
    "花西一",
];

/// The four social organisations the article names.
pub const SOCIAL_ORGS: [&str; 4] = [
    "方舟社工发展中心",
    "北京惠泽博众社工事务所",
    "康乐颐年社工事务所",
    "惠心社工事务所",
];

const SOCIAL_UNITS: [&str; 2] = ["望京科技园物业服务中心（示例）", "望京实验小学（示例）"];

/// Invented residents: nicknames, as neighbours call each other, not anyone's real name.
const RESIDENTS: [(&str, &str); 8] = [
    ("13800000010", "王阿姨"),
    ("13800000011", "刘叔叔"),
    ("13800000012", "小陈"),
    ("13800000013", "赵奶奶"),
    ("13800000014", "孙老师"),
    ("13800000015", "周大姐"),
    ("13800000016", "吴同学"),
    ("13800000017", "郑师傅"),
];

/// Role key, phone, name, grant, home community, scope label.
type StaffSeed = (
    &'static str,
    &'static str,
    &'static str,
    Option<Grant>,
    i64,
    String,
);

/// One demo account per role.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub role: &'static str,
    pub phone: &'static str,
    pub name: &'static str,
    pub scope: String,
}

/// Whether anything has been stored yet (the societies table is reference data and does not count).
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool> {
    Ok(street::Entity::find().count(db).await? == 0
        && account::Entity::find().count(db).await? == 0)
}

/// Erases every table and rebuilds the schema: what `demo --force` does before loading.
pub async fn erase(db: &DatabaseConnection) -> Result<()> {
    // Every migration's `down` drops its own tables by name, which is deterministic on all
    // engines; `fresh` discovers tables through the schema and once left one behind on SQLite.
    crate::migration::Migrator::reset(db).await?;
    crate::migration::Migrator::up(db, None).await?;
    Ok(())
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| StoreError::Database(format!("bad demo date {y}-{m}-{d}")))
}

/// Loads the Wangjing demo into an empty database and returns the demo accounts.
pub async fn load_wangjing(db: &DatabaseConnection) -> Result<Vec<DemoAccount>> {
    if !is_empty(db).await? {
        return Err(StoreError::Conflict);
    }
    let password =
        NewPassword::parse(DEMO_PASSWORD).map_err(|e| StoreError::Database(e.to_string()))?;
    let hash = accounts::hash_password(&password)?;
    let now = now_ms();
    let txn = db.begin().await?;
    let chaoyang = district::ActiveModel {
        id: NotSet,
        name: Set("朝阳区".into()),
    }
    .insert(&txn)
    .await?;
    let wangjing = street::ActiveModel {
        id: NotSet,
        district_id: Set(chaoyang.id),
        name: Set("望京街道".into()),
    }
    .insert(&txn)
    .await?;
    let mut community_ids = Vec::new();
    for (name, demo) in NAMED_COMMUNITIES
        .iter()
        .map(|n| (n, false))
        .chain(OTHER_COMMUNITIES.iter().map(|n| (n, true)))
    {
        let c = community::ActiveModel {
            id: NotSet,
            street_id: Set(wangjing.id),
            name: Set((*name).to_owned()),
            demo: Set(demo),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        community_ids.push(c.id);
    }
    let mut org_ids = Vec::new();
    for (name, kind, demo) in SOCIAL_ORGS
        .iter()
        .map(|n| (n, OrgKind::SocialOrg, false))
        .chain(SOCIAL_UNITS.iter().map(|n| (n, OrgKind::SocialUnit, true)))
    {
        let o = organisation::ActiveModel {
            id: NotSet,
            street_id: Set(wangjing.id),
            kind: Set(kind.key().to_owned()),
            name: Set((*name).to_owned()),
            demo: Set(demo),
        }
        .insert(&txn)
        .await?;
        org_ids.push(o.id);
    }
    let shengxing = community_ids[1];
    let huaxisan = community_ids[2];
    let huize = org_ids[1];

    let staff: [StaffSeed; 4] = [
        (
            "street_admin",
            "13800000001",
            "杨科长（示例）",
            Some(Grant::StreetAdmin {
                street_id: wangjing.id,
            }),
            huaxisan,
            "望京街道".into(),
        ),
        (
            "coordinator",
            "13800000002",
            "圣星协调人（示例）",
            Some(Grant::Coordinator {
                community_id: shengxing,
            }),
            shengxing,
            "圣星".into(),
        ),
        (
            "social_worker",
            "13800000003",
            "惠泽博众社工（示例）",
            Some(Grant::SocialWorker { org_id: huize }),
            huaxisan,
            SOCIAL_ORGS[1].into(),
        ),
        (
            "resident",
            "13800000004",
            "花西三居民（示例）",
            None,
            huaxisan,
            "花西三".into(),
        ),
    ];
    let mut demo_accounts = Vec::new();
    for (role, phone, name, grant, community_id, scope) in staff {
        let a = insert_account(
            &txn,
            phone,
            name,
            Some(community_id),
            Some(hash.clone()),
            now,
        )
        .await?;
        if let Some(g) = grant {
            role_grant::ActiveModel {
                id: NotSet,
                account_id: Set(a),
                role: Set(g.role().key().to_owned()),
                scope_id: Set(g.scope_id()),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        demo_accounts.push(DemoAccount {
            role,
            phone,
            name,
            scope,
        });
    }
    for (i, (phone, name)) in RESIDENTS.iter().enumerate() {
        let community = community_ids[i % community_ids.len()];
        insert_account(&txn, phone, name, Some(community), Some(hash.clone()), now).await?;
    }
    txn.commit().await?;

    let season_id = season::create(
        db,
        None,
        wangjing.id,
        2017,
        "2017年望京街道社区创享计划",
        Step::ProposalDrafting,
    )
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?;
    let plan = [
        (Step::BaselineSurvey, (4, 1), (4, 20)),
        (Step::Preparation, (4, 21), (5, 5)),
        (Step::IdeaCollection, (5, 6), (6, 10)),
        (Step::ProposalDrafting, (6, 11), (7, 15)),
        (Step::Evaluation, (7, 16), (7, 31)),
        (Step::Publication, (8, 1), (8, 10)),
        (Step::Implementation, (8, 11), (11, 30)),
        (Step::Showcase, (12, 1), (12, 20)),
    ];
    let mut planned = Vec::new();
    for (step, (sm, sd), (em, ed)) in plan {
        planned.push(PlannedStep {
            step,
            starts: date(2017, sm, sd)?,
            ends: date(2017, em, ed)?,
        });
    }
    let admin = accounts::by_phone(
        db,
        &chuangxiang_domain::account::Phone::parse("13800000001")
            .map_err(|e| StoreError::Database(e.to_string()))?,
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    season::set_calendar(db, admin.id, season_id, &planned)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    // Each feature's own demo content follows.
    crate::demo_ideas::load(db, wangjing.id).await?;
    crate::demo_proposals::load(db, wangjing.id).await?;
    Ok(demo_accounts)
}

async fn insert_account(
    conn: &impl ConnectionTrait,
    phone: &str,
    name: &str,
    community_id: Option<i64>,
    password_hash: Option<String>,
    now: i64,
) -> Result<i64> {
    let a = account::ActiveModel {
        id: NotSet,
        phone: Set(Some(phone.to_owned())),
        password_hash: Set(password_hash),
        display_name: Set(name.to_owned()),
        community_id: Set(community_id),
        proxy_consent: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        demo: Set(true),
    }
    .insert(conn)
    .await?;
    Ok(a.id)
}

/// What `demo --scale district` created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSummary {
    pub streets: usize,
    pub communities: usize,
    pub residents: usize,
    pub ideas: usize,
    pub proposals: usize,
}

/// Adds a district-sized street network around the Wangjing demo: `streets` streets (Wangjing
/// included) with `communities` communities in all and `residents` resident accounts, and a
/// season's worth of `ideas` ideas and `proposals` proposals in Wangjing's season. Every
/// generated resident shares one password hash (hashing 200,000 passwords would take an hour
/// and prove nothing) and gets a 199-prefixed number that no demo account uses.
pub async fn load_scale(
    db: &DatabaseConnection,
    streets: usize,
    communities: usize,
    residents: usize,
    ideas: usize,
    proposals: usize,
) -> Result<ScaleSummary> {
    let wangjing = crate::org::first_street(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let password =
        NewPassword::parse(DEMO_PASSWORD).map_err(|e| StoreError::Database(e.to_string()))?;
    let hash = accounts::hash_password(&password)?;
    let now = now_ms();
    let txn = db.begin().await?;
    let mut street_ids = vec![wangjing.id];
    for i in 1..streets {
        let s = street::ActiveModel {
            id: NotSet,
            district_id: Set(wangjing.district_id),
            name: Set(format!("示例街道{i:02}")),
        }
        .insert(&txn)
        .await?;
        street_ids.push(s.id);
    }
    let existing = crate::org::communities(&txn, wangjing.id).await?.len();
    let to_make = communities.saturating_sub(existing);
    let rows: Vec<community::ActiveModel> = (0..to_make)
        .map(|i| community::ActiveModel {
            id: NotSet,
            street_id: Set(street_ids[1 + i % (street_ids.len() - 1).max(1)]),
            name: Set(format!("示例社区{i:04}")),
            demo: Set(true),
            created_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(500) {
        community::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    let all_communities: Vec<i64> = {
        use sea_orm::{QueryOrder, QuerySelect};
        community::Entity::find()
            .select_only()
            .column(community::Column::Id)
            .order_by_asc(community::Column::Id)
            .into_tuple::<i64>()
            .all(db)
            .await?
    };
    let mut made = 0;
    while made < residents {
        let txn = db.begin().await?;
        let batch_end = (made + 20_000).min(residents);
        let rows: Vec<account::ActiveModel> = (made..batch_end)
            .map(|i| account::ActiveModel {
                id: NotSet,
                phone: Set(Some(format!("199{i:08}"))),
                password_hash: Set(Some(hash.clone())),
                display_name: Set(format!("居民{i}")),
                community_id: Set(Some(all_communities[i % all_communities.len()])),
                proxy_consent: Set(None),
                created_by: Set(None),
                created_at: Set(now),
                demo: Set(true),
            })
            .collect();
        for chunk in rows.chunks(1000) {
            account::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        made = batch_end;
    }
    let made = crate::demo_scale::load(db, ideas, proposals).await?;
    Ok(ScaleSummary {
        streets: street_ids.len(),
        communities: all_communities.len(),
        residents,
        ideas: made.ideas,
        proposals: made.proposals,
    })
}
