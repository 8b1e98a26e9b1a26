//! Demo golden ideas for the Wangjing season: the article's own projects in the communities it
//! names, and invented ones across the other communities, at every status, with supports.

use crate::entity::{account, community, idea, idea_support};
use crate::{Result, StoreError, ideas, now_ms, season};
use chuangxiang_domain::ideas::{IdeaText, Status};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

/// (title, description, category index, community name or "" for any).
const ARTICLE_IDEAS: [(&str, &str, usize, &str); 9] = [
    (
        "萌宠俱乐部",
        "加大文明养犬宣传，与养犬人签订文明养犬协议书，提供拾便袋等文明养犬小工具。",
        0,
        "花西三",
    ),
    (
        "家园自管计划",
        "组织居民一起清理楼道内堆物堆料，学习消防安全知识和应急处理方法。",
        1,
        "圣星",
    ),
    (
        "流动图书馆",
        "成立亲子朗读会，让孩子放下手机、拿起纸质书，邻里一起阅读交流。",
        2,
        "南湖西园二区",
    ),
    (
        "红心十姐妹邻里帮帮团",
        "组织低龄老人志愿服务队，帮助空巢、高龄老人，增进邻里关系。",
        4,
        "南湖东园",
    ),
    (
        "点亮绿色家园",
        "把同心园的绿化经验辐射到周边社区，居民认领花池共同养护。",
        0,
        "南湖中园",
    ),
    (
        "学非遗献真爱",
        "邀请非遗传承人进社区，教居民剪纸、面塑，作品义卖献爱心。",
        2,
        "",
    ),
    (
        "银龄助老服务队",
        "老年志愿者结对探访独居老人，代购、陪诊、聊天。",
        4,
        "",
    ),
    (
        "大战“僵尸”单车",
        "清理小区内长期停放的废旧自行车，腾出公共空间。",
        0,
        "",
    ),
    (
        "幸福工坊",
        "居民手工工坊，每周一次，旧物改造、编织，作品装点社区。",
        3,
        "望京西园三区",
    ),
];

/// Invented ideas spread over the other communities.
const MORE_IDEAS: [(&str, &str, usize); 10] = [
    (
        "楼道里堆的杂物谁来清",
        "楼道堆放纸箱旧家具，影响通行和消防安全，希望定期集中清理。",
        1,
    ),
    (
        "小区夜间照明改善",
        "几处路灯损坏，晚上老人出行不便，希望补装照明。",
        1,
    ),
    (
        "垃圾分类小课堂",
        "请志愿者讲解垃圾分类，设立分类指导员。",
        0,
    ),
    (
        "社区议事厅开放日",
        "每月一次开放议事，居民一起商量公共事务。",
        3,
    ),
    (
        "儿童友好游乐角",
        "改造闲置空地为儿童游乐区，配软垫和遮阳。",
        3,
    ),
    ("共享工具箱", "在物业处放一个共享工具箱，邻里借用登记。", 4),
    ("停车秩序共治", "划定临时停车区，居民自治小组轮值引导。", 1),
    ("社区菜园", "楼间空地开辟社区菜园，认领种植，收获分享。", 0),
    ("老年人智能手机课", "教老人用手机挂号、缴费、视频通话。", 2),
    ("邻里节", "办一场邻里节百家宴，让新老居民相互认识。", 2),
];

/// Loads about 200 ideas into the street's current season. Needs the demo residents.
pub async fn load(db: &DatabaseConnection, street_id: i64) -> Result<usize> {
    let s = season::current(db, street_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let categories = ideas::categories(db, s.id).await?;
    let communities = community::Entity::find()
        .filter(community::Column::StreetId.eq(street_id))
        .order_by_asc(community::Column::Id)
        .all(db)
        .await?;
    let residents: Vec<i64> = account::Entity::find()
        .filter(account::Column::Demo.eq(true))
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if categories.is_empty() || communities.is_empty() || residents.len() < 2 {
        return Err(StoreError::NotFound);
    }
    let start = now_ms() - 30 * 24 * 3600 * 1000;
    let mut rows = Vec::new();
    let mut push = |title: &str, description: &str, category: usize, community: i64, n: usize| {
        let text = IdeaText {
            title: title.to_owned(),
            description: description.to_owned(),
            place: String::new(),
        };
        // Mostly accepted; every seventh waits for review, every eleventh was declined.
        let status = if n % 11 == 5 {
            Status::Declined
        } else if n % 7 == 3 {
            Status::Submitted
        } else {
            Status::Accepted
        };
        let author = residents[n % residents.len()];
        rows.push(idea::ActiveModel {
            id: NotSet,
            season_id: Set(s.id),
            community_id: Set(community),
            category_id: Set(categories[category % categories.len()].id),
            author_id: Set(Some(author)),
            organisation_id: Set(None),
            submitted_by: Set(author),
            author_name: Set(None),
            title: Set(text.title.clone()),
            description: Set(text.description.clone()),
            place: Set(String::new()),
            status: Set(status.key().to_owned()),
            status_reason: Set((status == Status::Declined)
                .then(|| "不属于社区公共事务，已转交物业处理（示例）".to_owned())),
            merged_into: Set(None),
            paper_form_number: Set(None),
            paper_form_date: Set(None),
            consent: Set(None),
            late: Set(false),
            supports: Set(0),
            search_terms: Set(ideas::search_terms(&text)),
            created_at: Set(start + i64::try_from(n).unwrap_or(0) * 3_600_000),
            reviewed_by: Set(None),
            reviewed_at: Set(None),
        });
    };
    let mut n = 0;
    for (title, description, category, home) in ARTICLE_IDEAS {
        let community = communities
            .iter()
            .find(|c| c.name == home)
            .unwrap_or(&communities[n % communities.len()]);
        push(title, description, category, community.id, n);
        n += 1;
    }
    for (i, c) in communities.iter().enumerate() {
        for k in 0..9 {
            let (title, description, category) = MORE_IDEAS[(i + k) % MORE_IDEAS.len()];
            push(title, description, category, c.id, n);
            n += 1;
        }
    }
    let txn = db.begin().await?;
    let first = ideas::last_id(&txn).await? + 1;
    for chunk in rows.chunks(100) {
        idea::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    ideas::index_terms_from(&txn, first).await?;
    // Supports: each idea gets a few +1s from demo residents other than its author.
    let all = idea::Entity::find()
        .filter(idea::Column::SeasonId.eq(s.id))
        .all(&txn)
        .await?;
    let mut supports = Vec::new();
    for (i, idea) in all.iter().enumerate() {
        if idea.status != Status::Accepted.key() && idea.status != Status::Submitted.key() {
            continue;
        }
        let wanted = (i * 7) % residents.len();
        let mut given = 0;
        for r in residents
            .iter()
            .filter(|r| Some(**r) != idea.author_id)
            .take(wanted)
        {
            supports.push(idea_support::ActiveModel {
                id: NotSet,
                idea_id: Set(idea.id),
                account_id: Set(*r),
                created_at: Set(start),
            });
            given += 1;
        }
        if given > 0 {
            idea::Entity::update_many()
                .col_expr(
                    idea::Column::Supports,
                    sea_orm::sea_query::Expr::value(given),
                )
                .filter(idea::Column::Id.eq(idea.id))
                .exec(&txn)
                .await?;
        }
    }
    for chunk in supports.chunks(500) {
        idea_support::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows.len())
}
