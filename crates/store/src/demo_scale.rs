//! The ideas and proposals of `demo --scale district`: a season of 10,000 golden ideas and 2,000
//! proposals in the Wangjing demo's season, so that the idea wall, its search and the proposal
//! lists are measured on a district's volume.
//!
//! Rows are inserted in bulk rather than through the per-click store functions (hours of
//! transactions prove nothing about the pages). Support counters are set on the ideas without
//! one `idea_support` row per +1; proposals get their first version, their owner and their idea,
//! without coaching history.

use crate::entity::{
    account, community, idea, proposal, proposal_idea, proposal_member, proposal_version,
};
use crate::{Result, StoreError, ideas, now_ms, season};
use chuangxiang_domain::ideas::{IdeaText, Status as IdeaStatus};
use chuangxiang_domain::proposals::{BudgetLine, Content, Status, yuan};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

const PLACES: [&str; 12] = [
    "楼道",
    "南门",
    "地下车库",
    "小花园",
    "健身角",
    "垃圾站",
    "自行车棚",
    "活动室",
    "菜市场口",
    "幼儿园门口",
    "楼顶",
    "电梯间",
];

const PROBLEMS: [(&str, &str); 12] = [
    ("照明不足", "晚上太黑，老人和孩子出行不安全，希望增设照明。"),
    (
        "堆物堆料",
        "杂物堆积影响通行和消防安全，希望组织居民定期清理。",
    ),
    (
        "停车混乱",
        "车辆乱停占用消防通道，希望划线并由居民轮值引导。",
    ),
    ("缺少座椅", "老人散步走累了没处歇脚，希望添置几把长椅。"),
    ("绿化缺失", "空地裸露起尘，希望居民认领种植、共同养护。"),
    ("噪音扰民", "夜间噪音影响休息，希望商定公约、错峰活动。"),
    ("雨天积水", "一下雨就积水，希望疏通排水并铺设透水砖。"),
    ("无障碍不便", "轮椅和婴儿车上下困难，希望加装坡道和扶手。"),
    ("快递乱放", "快递堆在地上容易丢，希望设置共享快递架。"),
    (
        "宠物粪便",
        "宠物粪便无人清理，希望设置拾便袋箱并倡导文明养犬。",
    ),
    (
        "缺少儿童活动空间",
        "孩子们没有安全的游戏场地，希望改造闲置空地。",
    ),
    (
        "垃圾分类不到位",
        "分类投放混乱，希望设立志愿者督导和分类小课堂。",
    ),
];

/// What the generator made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    pub ideas: usize,
    pub proposals: usize,
}

/// Adds `idea_count` ideas and `proposal_count` proposals to the first street's current season,
/// spread over that street's communities and authored by the generated residents.
pub async fn load(
    db: &DatabaseConnection,
    idea_count: usize,
    proposal_count: usize,
) -> Result<Made> {
    let street = crate::org::first_street(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let s = season::current(db, street.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let categories = ideas::categories(db, s.id).await?;
    let communities: Vec<i64> = community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(community::Column::StreetId.eq(street.id))
        .order_by_asc(community::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let authors: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Phone.starts_with("199"))
        .order_by_asc(account::Column::Id)
        .limit(5000)
        .into_tuple()
        .all(db)
        .await?;
    if categories.is_empty() || communities.is_empty() || authors.is_empty() {
        return Err(StoreError::NotFound);
    }
    let start = now_ms() - 40 * 24 * 3_600_000;
    let mut rows = Vec::with_capacity(idea_count);
    for n in 0..idea_count {
        let place = PLACES[n % PLACES.len()];
        let (problem, why) = PROBLEMS[(n / PLACES.len()) % PROBLEMS.len()];
        let text = IdeaText {
            title: format!("{place}{problem}"),
            description: format!("{place}{why}（第{n}号）"),
            place: place.to_owned(),
        };
        // Four in five accepted, the rest waiting, merged or declined.
        let status = match n % 10 {
            0 => IdeaStatus::Submitted,
            5 => IdeaStatus::Declined,
            _ => IdeaStatus::Accepted,
        };
        let author = authors[n % authors.len()];
        rows.push(idea::ActiveModel {
            id: NotSet,
            season_id: Set(s.id),
            community_id: Set(communities[n % communities.len()]),
            category_id: Set(categories[n % categories.len()].id),
            author_id: Set(Some(author)),
            organisation_id: Set(None),
            submitted_by: Set(author),
            author_name: Set(None),
            search_terms: Set(ideas::search_terms(&text)),
            title: Set(text.title),
            description: Set(text.description),
            place: Set(text.place),
            status: Set(status.key().to_owned()),
            status_reason: Set((status == IdeaStatus::Declined).then(|| "重复（示例）".to_owned())),
            merged_into: Set(None),
            paper_form_number: Set(None),
            paper_form_date: Set(None),
            consent: Set(None),
            late: Set(false),
            supports: Set(i32::try_from((n * 7919) % 97).unwrap_or(0)),
            created_at: Set(start + i64::try_from(n).unwrap_or(0) * 60_000),
            reviewed_by: Set(None),
            reviewed_at: Set(None),
        });
    }
    let txn = db.begin().await?;
    let first = ideas::last_id(&txn).await? + 1;
    for chunk in rows.chunks(500) {
        idea::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    ideas::index_terms_from(&txn, first).await?;
    txn.commit().await?;

    // Proposals from the newest accepted ideas, one idea each.
    let accepted: Vec<(i64, i64, i64, String, Option<i64>)> = idea::Entity::find()
        .select_only()
        .column(idea::Column::Id)
        .column(idea::Column::CommunityId)
        .column(idea::Column::CategoryId)
        .column(idea::Column::Title)
        .column(idea::Column::AuthorId)
        .filter(idea::Column::SeasonId.eq(s.id))
        .filter(idea::Column::Status.eq(IdeaStatus::Accepted.key()))
        .order_by_desc(idea::Column::Id)
        .limit(u64::try_from(proposal_count).unwrap_or(u64::MAX))
        .into_tuple()
        .all(db)
        .await?;
    let now = now_ms();
    let mut made = 0;
    for chunk in accepted.chunks(250) {
        let txn = db.begin().await?;
        let mut proposals = Vec::new();
        let mut contents = Vec::new();
        for (k, (_, community_id, category_id, title, author)) in chunk.iter().enumerate() {
            let content = Content {
                background: format!("居民提出“{title}”，希望社区一起解决。"),
                goals: "三个月内解决问题，参与居民不少于50人次。".to_owned(),
                methods: "议事会商定办法，志愿者分组行动。".to_owned(),
                budget: vec![BudgetLine {
                    item: "活动物料".to_owned(),
                    unit: "套".to_owned(),
                    quantity: Decimal::from(10 + (made + k) % 40),
                    unit_price: Decimal::new(4580, 2),
                }],
                ..Content::default()
            };
            let json =
                serde_json::to_string(&content).map_err(|e| StoreError::Database(e.to_string()))?;
            let owner = author.unwrap_or(authors[0]);
            let status = match (made + k) % 5 {
                0 => Status::Shortlisted,
                1 | 2 => Status::Ready,
                _ => Status::Draft,
            };
            proposals.push(proposal::ActiveModel {
                id: NotSet,
                season_id: Set(s.id),
                community_id: Set(*community_id),
                category_id: Set(*category_id),
                owner_id: Set(owner),
                title: Set(format!("{title}行动")),
                status: Set(status.key().to_owned()),
                content: Set(json.clone()),
                budget_total: Set(yuan(content.total())),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                updated_by: Set(owner),
                ready_by: Set(None),
                ready_at: Set(None),
                ready_version: Set((status != Status::Draft).then_some(1)),
                shortlisted_by: Set(None),
                shortlisted_at: Set(None),
            });
            contents.push((json, yuan(content.total()), owner));
        }
        // One insert each: the ids are needed, and engines disagree on what a bulk insert
        // reports.
        let mut ids = Vec::with_capacity(proposals.len());
        for p in proposals {
            ids.push(p.insert(&txn).await?.id);
        }
        let mut versions = Vec::new();
        let mut members = Vec::new();
        let mut links = Vec::new();
        for ((id, (json, total, owner)), (idea_id, _, _, title, _)) in
            ids.iter().zip(contents).zip(chunk)
        {
            versions.push(proposal_version::ActiveModel {
                id: NotSet,
                proposal_id: Set(*id),
                number: Set(1),
                title: Set(format!("{title}行动")),
                content: Set(json),
                budget_total: Set(total),
                saved_by: Set(owner),
                saved_at: Set(now),
            });
            members.push(proposal_member::ActiveModel {
                id: NotSet,
                proposal_id: Set(*id),
                account_id: Set(owner),
                status: Set("owner".to_owned()),
                invited_by: Set(owner),
                created_at: Set(now),
            });
            links.push(proposal_idea::ActiveModel {
                id: NotSet,
                proposal_id: Set(*id),
                idea_id: Set(*idea_id),
            });
        }
        proposal_version::Entity::insert_many(versions)
            .exec(&txn)
            .await?;
        proposal_member::Entity::insert_many(members)
            .exec(&txn)
            .await?;
        proposal_idea::Entity::insert_many(links).exec(&txn).await?;
        txn.commit().await?;
        made += chunk.len();
    }
    Ok(Made {
        ideas: idea_count,
        proposals: made,
    })
}
