//! Demo proposals for the Wangjing season: the budget cap, which social organisation coaches
//! which community, and 24 proposals grown from accepted ideas, at every stage, with teams,
//! revisions and coaching notes made through the same store functions people's clicks use.

use crate::entity::{account, community, idea, organisation, role_grant};
use crate::proposals::{self, NewProposal, Revision};
use crate::{Result, StoreError, now_ms, season};
use chrono::NaiveDate;
use chuangxiang_domain::ideas::Status as IdeaStatus;
use chuangxiang_domain::org::OrgKind;
use chuangxiang_domain::policy::Grant;
use chuangxiang_domain::proposals::{BudgetLine, Content, PlanStep, Section};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

/// How many proposals the demo season gets.
pub const PROPOSALS: usize = 24;

/// The cap on one proposal's budget in the demo season.
pub const CAP: &str = "50000.00";

/// Social workers of the organisations that have no demo account yet: (phone, name).
const MORE_SOCIAL_WORKERS: [(&str, &str); 3] = [
    ("13800000031", "方舟社工（示例）"),
    ("13800000032", "康乐颐年社工（示例）"),
    ("13800000033", "惠心社工（示例）"),
];

/// (item, unit, quantity, unit price in yuan)
const CATALOGUE: [(&str, &str, &str, &str); 8] = [
    ("宣传海报印制", "张", "40", "12.5"),
    ("活动物料包", "套", "30", "45.80"),
    ("志愿者餐补", "人次", "60", "25"),
    ("工具与耗材", "批", "1", "1860"),
    ("绿植与花土", "盆", "80", "35.8"),
    ("专业老师课时费", "课时", "12", "300"),
    ("场地布置", "次", "4", "650"),
    ("保险", "人", "25", "8.6"),
];

fn decimal(text: &str) -> Result<Decimal> {
    Decimal::from_str_exact(text).map_err(|e| StoreError::Database(e.to_string()))
}

fn day(month: u32, d: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(2017, month, d)
        .ok_or_else(|| StoreError::Database(format!("bad demo date 2017-{month}-{d}")))
}

/// A first draft: the background and goals, a rough plan and two budget lines.
fn first_draft(title: &str, description: &str, k: usize) -> Result<Content> {
    Ok(Content {
        background: format!("{description}\n居民在金点子征集中提出了“{title}”，得到不少邻居支持。"),
        goals: "让更多居民参与进来，解决身边的问题。".to_owned(),
        methods: "招募志愿者，分组开展活动。".to_owned(),
        steps: vec![PlanStep {
            date: day(7, 20)?,
            activity: "招募志愿者，召开第一次议事会".to_owned(),
        }],
        budget: (0..2)
            .map(|i| {
                let (item, unit, q, p) = CATALOGUE[(k + i) % CATALOGUE.len()];
                Ok(BudgetLine {
                    item: item.to_owned(),
                    unit: unit.to_owned(),
                    quantity: decimal(q)?,
                    unit_price: decimal(p)?,
                })
            })
            .collect::<Result<_>>()?,
        ..Content::default()
    })
}

/// The draft after coaching: measurable goals, dated steps, a fuller budget and the guarantees.
fn revised(mut c: Content, k: usize) -> Result<Content> {
    c.goals = format!(
        "三个月内组织活动不少于{}次，参与居民不少于{}人次；形成一支稳定的志愿者队伍。",
        4 + k % 5,
        60 + 10 * (k % 7)
    );
    c.methods =
        "1. 议事会商定规则；2. 志愿者分组轮值；3. 每月一次集中活动；4. 活动后回访居民。".to_owned();
    c.steps = vec![
        PlanStep {
            date: day(8, 15)?,
            activity: "召开居民议事会，确定方案和分工".to_owned(),
        },
        PlanStep {
            date: day(9, 1)?,
            activity: "第一次集中活动".to_owned(),
        },
        PlanStep {
            date: day(10, 15)?,
            activity: "中期回访，调整做法".to_owned(),
        },
        PlanStep {
            date: day(11, 30)?,
            activity: "总结展示".to_owned(),
        },
    ];
    let (item, unit, q, p) = CATALOGUE[(k + 2) % CATALOGUE.len()];
    c.budget.push(BudgetLine {
        item: item.to_owned(),
        unit: unit.to_owned(),
        quantity: decimal(q)?,
        unit_price: decimal(p)?,
    });
    c.partners = "社区居委会、物业公司、辖区共建单位".to_owned();
    c.resources = "社区活动室，居民捐赠的工具和物品".to_owned();
    c.risks = "参与人数不足时，请楼门长逐户动员；雨天活动改在室内。".to_owned();
    c.beneficiaries = format!("本社区居民约{}户，重点是老人和儿童。", 300 + 50 * (k % 9));
    c.sustainability =
        "志愿者队伍轮值，活动经验写成手册，项目结束后由居民自管小组继续。".to_owned();
    Ok(c)
}

/// Loads the season settings and the 24 proposals. Needs the demo ideas.
pub async fn load(db: &DatabaseConnection, street_id: i64) -> Result<usize> {
    let s = season::current(db, street_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let admin = demo_account(db, "13800000001").await?;
    season::set_budget_cap(db, s.id, street_id, admin, Some(CAP.to_owned())).await?;

    // Coaching: 惠泽博众 (whose social worker is a demo account) coaches 圣星 and 花西三 among
    // others; the other three organisations share the rest, each with a demo social worker.
    let communities = community::Entity::find()
        .filter(community::Column::StreetId.eq(street_id))
        .order_by_asc(community::Column::Id)
        .all(db)
        .await?;
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::StreetId.eq(street_id))
        .filter(organisation::Column::Kind.eq(OrgKind::SocialOrg.key()))
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await?;
    if orgs.len() < 4 || communities.len() < 3 {
        return Err(StoreError::NotFound);
    }
    let template = account::Entity::find()
        .filter(account::Column::Phone.eq("13800000003"))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let now = now_ms();
    let mut workers = vec![0i64; orgs.len()];
    workers[1] = template.id;
    for ((phone, name), org_index) in MORE_SOCIAL_WORKERS.iter().zip([0usize, 2, 3]) {
        let a = account::ActiveModel {
            id: NotSet,
            phone: Set(Some((*phone).to_owned())),
            password_hash: Set(template.password_hash.clone()),
            display_name: Set((*name).to_owned()),
            community_id: Set(template.community_id),
            proxy_consent: Set(None),
            created_by: Set(None),
            created_at: Set(now),
            demo: Set(true),
        }
        .insert(db)
        .await?;
        let grant = Grant::SocialWorker {
            org_id: orgs[org_index].id,
        };
        role_grant::ActiveModel {
            id: NotSet,
            account_id: Set(a.id),
            role: Set(grant.role().key().to_owned()),
            scope_id: Set(grant.scope_id()),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        workers[org_index] = a.id;
    }
    let coach_index = |i: usize| if i == 1 || i == 2 { 1 } else { i % 4 };
    let assignments: Vec<(i64, i64)> = communities
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, orgs[coach_index(i)].id))
        .collect();
    proposals::set_coaching(db, s.id, street_id, admin, &assignments).await?;
    let coach_of = |community_id: i64| {
        communities
            .iter()
            .position(|c| c.id == community_id)
            .map(|i| workers[coach_index(i)])
            .unwrap_or(template.id)
    };

    // Residents who draft and join teams: the demo resident and the eight named neighbours.
    let resident = demo_account(db, "13800000004").await?;
    let mut neighbours = Vec::new();
    for n in 10..=17 {
        neighbours.push(demo_account(db, &format!("138000000{n}")).await?);
    }
    let accepted = idea::Entity::find()
        .filter(idea::Column::SeasonId.eq(s.id))
        .filter(idea::Column::Status.eq(IdeaStatus::Accepted.key()))
        .order_by_asc(idea::Column::Id)
        .all(db)
        .await?;
    // One proposal per community first (the article's ideas lead), then a second for some.
    let mut chosen: Vec<&idea::Model> = Vec::new();
    for i in &accepted {
        if chosen.len() < PROPOSALS && !chosen.iter().any(|c| c.community_id == i.community_id) {
            chosen.push(i);
        }
    }
    for i in &accepted {
        if chosen.len() < PROPOSALS && !chosen.iter().any(|c| c.id == i.id) {
            chosen.push(i);
        }
    }
    let huaxisan = communities[2].id;
    for (k, idea) in chosen.iter().enumerate() {
        let owner = if idea.community_id == huaxisan {
            resident
        } else {
            neighbours[k % neighbours.len()]
        };
        let mate = neighbours[(k + 3) % neighbours.len()];
        let mate = if mate == owner {
            neighbours[(k + 4) % neighbours.len()]
        } else {
            mate
        };
        let draft = first_draft(&idea.title, &idea.description, k)?;
        let title = format!("{}行动", idea.title.trim_end_matches('。'));
        let title: String = title.chars().take(40).collect();
        let id = proposals::create(
            db,
            NewProposal {
                season_id: s.id,
                street_id,
                community_id: idea.community_id,
                category_id: idea.category_id,
                owner_id: owner,
                title: &title,
                content: &draft,
                idea_ids: &[idea.id],
            },
        )
        .await?;
        proposals::invite(db, id, street_id, owner, mate).await?;
        // Every eighth proposal still waits for its second member's answer.
        if k % 8 != 7 {
            proposals::answer_invitation(db, id, street_id, mate, true).await?;
        }
        let coach = coach_of(idea.community_id);
        proposals::add_note(
            db,
            id,
            street_id,
            coach,
            Section::Goals.key(),
            "目标再具体一些：做几次活动、多少居民参与，最好能数得出来。",
        )
        .await?;
        proposals::add_note(
            db,
            id,
            street_id,
            coach,
            Section::Budget.key(),
            "预算请按项目逐行列出单价和数量，并补充保险费用。",
        )
        .await?;
        // Stages: a third stay early drafts, the others are revised; of those, some are
        // signed off by their coach and some already shortlisted by the street.
        let stage = k % 3;
        if stage == 2 && k % 8 == 7 {
            continue;
        }
        let better = revised(draft, k)?;
        proposals::revise(
            db,
            Revision {
                id,
                street_id,
                base: 1,
                by: if stage == 0 { mate } else { owner },
                title: &title,
                content: &better,
            },
        )
        .await?;
        if stage == 2 {
            proposals::add_note(
                db,
                id,
                street_id,
                coach,
                Section::Sustainability.key(),
                "项目结束后谁来接着做？请写清楚自管小组的安排。",
            )
            .await?;
            continue;
        }
        if k % 8 == 7 {
            continue;
        }
        proposals::sign_off(db, id, street_id, coach, 2).await?;
        if stage == 0 {
            proposals::shortlist(db, &[id], street_id, admin).await?;
        }
    }
    Ok(chosen.len())
}

async fn demo_account(db: &DatabaseConnection, phone: &str) -> Result<i64> {
    Ok(account::Entity::find()
        .filter(account::Column::Phone.eq(phone))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?
        .id)
}
