//! Districts, streets, communities, courtyards, organisations and the societies table.

use crate::audit::{self, Entry};
use crate::entity::{account, community, courtyard, district, organisation, society, street};
use crate::{Result, StoreError, now_ms};
use chuangxiang_domain::account::{DisplayName, Phone};
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_domain::org::{OrgKind, PlaceName};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Serialize;
use std::collections::HashMap;

pub use community::Model as Community;
pub use courtyard::Model as Courtyard;
pub use organisation::Model as Organisation;
pub use society::Model as Society;
pub use street::Model as Street;

pub async fn street(conn: &impl ConnectionTrait, id: i64) -> Result<Street> {
    street::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// All streets, in the order they were created.
pub async fn streets(conn: &impl ConnectionTrait) -> Result<Vec<Street>> {
    Ok(street::Entity::find()
        .order_by_asc(street::Column::Id)
        .all(conn)
        .await?)
}

/// The street shown on the home page: the first one, which is the only one in a
/// one-street installation.
pub async fn first_street(conn: &impl ConnectionTrait) -> Result<Option<Street>> {
    Ok(street::Entity::find()
        .order_by_asc(street::Column::Id)
        .one(conn)
        .await?)
}

pub async fn district_name(conn: &impl ConnectionTrait, id: i64) -> Result<String> {
    Ok(district::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|d| d.name)
        .unwrap_or_default())
}

pub async fn community(conn: &impl ConnectionTrait, id: i64) -> Result<Community> {
    community::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// A street's communities by name order (pinyin order would need a collation SQLite lacks;
/// ids follow the order the street listed them in).
pub async fn communities(conn: &impl ConnectionTrait, street_id: i64) -> Result<Vec<Community>> {
    Ok(community::Entity::find()
        .filter(community::Column::StreetId.eq(street_id))
        .order_by_asc(community::Column::Id)
        .all(conn)
        .await?)
}

/// Number of registered residents per community of a street.
pub async fn resident_counts(
    conn: &impl ConnectionTrait,
    street_id: i64,
) -> Result<HashMap<i64, u64>> {
    use sea_orm::{FromQueryResult, QuerySelect};
    #[derive(FromQueryResult)]
    struct Count {
        community_id: Option<i64>,
        n: i64,
    }
    let ids: Vec<i64> = communities(conn, street_id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = account::Entity::find()
        .select_only()
        .column(account::Column::CommunityId)
        .column_as(account::Column::Id.count(), "n")
        .filter(account::Column::CommunityId.is_in(ids))
        .group_by(account::Column::CommunityId)
        .into_model::<Count>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.community_id.map(|c| (c, u64::try_from(r.n).unwrap_or(0))))
        .collect())
}

#[derive(Serialize)]
struct NameAudit<'a> {
    name: &'a str,
}

pub async fn create_community(
    db: &sea_orm::DatabaseConnection,
    actor_id: Option<i64>,
    street_id: i64,
    name: &PlaceName,
) -> Result<i64> {
    let txn = db.begin().await?;
    let model = community::ActiveModel {
        id: NotSet,
        street_id: Set(street_id),
        name: Set(name.as_str().to_owned()),
        demo: Set(false),
        created_at: Set(now_ms()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id,
            street_id: Some(street_id),
            action: AuditAction::CommunityCreated,
            subject: format!("community:{}", model.id),
            before: None,
            after: Some(&NameAudit {
                name: name.as_str(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

pub async fn rename_community(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    community_id: i64,
    name: &PlaceName,
) -> Result<()> {
    let txn = db.begin().await?;
    let before = community(&txn, community_id).await?;
    let street_id = before.street_id;
    let old_name = before.name.clone();
    let mut active: community::ActiveModel = before.into();
    active.name = Set(name.as_str().to_owned());
    active.update(&txn).await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(street_id),
            action: AuditAction::CommunityRenamed,
            subject: format!("community:{community_id}"),
            before: Some(&NameAudit { name: &old_name }),
            after: Some(&NameAudit {
                name: name.as_str(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn courtyards(conn: &impl ConnectionTrait, community_id: i64) -> Result<Vec<Courtyard>> {
    Ok(courtyard::Entity::find()
        .filter(courtyard::Column::CommunityId.eq(community_id))
        .order_by_asc(courtyard::Column::Id)
        .all(conn)
        .await?)
}

pub async fn create_courtyard(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    community_id: i64,
    name: &PlaceName,
) -> Result<i64> {
    let txn = db.begin().await?;
    let parent = community(&txn, community_id).await?;
    let model = courtyard::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        name: Set(name.as_str().to_owned()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(parent.street_id),
            action: AuditAction::CourtyardCreated,
            subject: format!("courtyard:{}", model.id),
            before: None,
            after: Some(&NameAudit {
                name: name.as_str(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

pub async fn organisation(conn: &impl ConnectionTrait, id: i64) -> Result<Organisation> {
    organisation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn organisations(
    conn: &impl ConnectionTrait,
    street_id: i64,
) -> Result<Vec<Organisation>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::StreetId.eq(street_id))
        .order_by_asc(organisation::Column::Kind)
        .order_by_asc(organisation::Column::Id)
        .all(conn)
        .await?)
}

#[derive(Serialize)]
struct OrgAudit<'a> {
    name: &'a str,
    kind: &'a str,
}

pub async fn create_organisation(
    db: &sea_orm::DatabaseConnection,
    actor_id: Option<i64>,
    street_id: i64,
    kind: OrgKind,
    name: &PlaceName,
) -> Result<i64> {
    let txn = db.begin().await?;
    let model = organisation::ActiveModel {
        id: NotSet,
        street_id: Set(street_id),
        kind: Set(kind.key().to_owned()),
        name: Set(name.as_str().to_owned()),
        demo: Set(false),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id,
            street_id: Some(street_id),
            action: AuditAction::OrganisationCreated,
            subject: format!("organisation:{}", model.id),
            before: None,
            after: Some(&OrgAudit {
                name: name.as_str(),
                kind: kind.key(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

pub async fn societies(conn: &impl ConnectionTrait) -> Result<Vec<Society>> {
    Ok(society::Entity::find()
        .order_by_asc(society::Column::Id)
        .all(conn)
        .await?)
}

#[derive(Serialize)]
struct ImportAudit {
    rows: usize,
}

/// Imports checked community names in one transaction: all of them or none.
pub async fn import_communities(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    street_id: i64,
    names: &[PlaceName],
) -> Result<usize> {
    let txn = db.begin().await?;
    let now = now_ms();
    for chunk in names.chunks(500) {
        community::Entity::insert_many(chunk.iter().map(|name| community::ActiveModel {
            id: NotSet,
            street_id: Set(street_id),
            name: Set(name.as_str().to_owned()),
            demo: Set(false),
            created_at: Set(now),
        }))
        .exec(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(street_id),
            action: AuditAction::ImportCommunities,
            subject: format!("street:{street_id}"),
            before: None,
            after: Some(&ImportAudit { rows: names.len() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(names.len())
}

/// A resident to import: already checked by `domain::import::check_residents`.
pub struct ImportedResident<'a> {
    pub name: &'a DisplayName,
    pub phone: &'a Phone,
    pub community_id: i64,
}

/// Imports residents in one transaction. They have no password until their coordinator
/// sets one (a street's register is not the residents' own consent to log in).
pub async fn import_residents(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    street_id: i64,
    residents: &[ImportedResident<'_>],
) -> Result<usize> {
    let txn = db.begin().await?;
    let now = now_ms();
    for chunk in residents.chunks(500) {
        account::Entity::insert_many(chunk.iter().map(|r| account::ActiveModel {
            id: NotSet,
            phone: Set(Some(r.phone.as_str().to_owned())),
            password_hash: Set(None),
            display_name: Set(r.name.as_str().to_owned()),
            community_id: Set(Some(r.community_id)),
            proxy_consent: Set(None),
            created_by: Set(Some(actor_id)),
            created_at: Set(now),
            demo: Set(false),
        }))
        .exec(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(street_id),
            action: AuditAction::ImportResidents,
            subject: format!("street:{street_id}"),
            before: None,
            after: Some(&ImportAudit {
                rows: residents.len(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(residents.len())
}

pub async fn count_communities(conn: &impl ConnectionTrait) -> Result<u64> {
    Ok(community::Entity::find().count(conn).await?)
}
