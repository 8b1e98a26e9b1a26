//! The append-only audit log. Entries are written with the connection or transaction of the
//! change they record, so a change and its record are committed or rolled back together.

use crate::entity::audit_log;
use crate::{Result, now_ms};
use chuangxiang_domain::audit::AuditAction;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

/// One change to record.
pub struct Entry<'a> {
    pub actor_id: Option<i64>,
    pub street_id: Option<i64>,
    pub action: AuditAction,
    pub subject: String,
    pub before: Option<&'a dyn erased::Json>,
    pub after: Option<&'a dyn erased::Json>,
}

/// Lets an entry carry any serialisable before/after value without generics.
pub mod erased {
    pub trait Json: Sync {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize + Sync> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|e| format!("\"unserialisable: {e}\""))
        }
    }
}

pub async fn record(conn: &impl ConnectionTrait, entry: Entry<'_>) -> Result<()> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: NotSet,
        at: Set(now_ms()),
        actor_id: Set(entry.actor_id),
        street_id: Set(entry.street_id),
        action: Set(entry.action.key().to_owned()),
        subject: Set(entry.subject),
        before: Set(entry.before.map(|v| v.to_json())),
        after: Set(entry.after.map(|v| v.to_json())),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// A street admin's filter on the log.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub action: Option<AuditAction>,
    pub actor_id: Option<i64>,
    /// Inclusive bounds, milliseconds since the epoch.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub const PAGE_SIZE: u64 = 50;

/// The street's log, newest first, with the total number of matching entries.
pub async fn list(
    conn: &impl ConnectionTrait,
    street_id: i64,
    filter: &Filter,
    page: u64,
) -> Result<(Vec<Row>, u64)> {
    let mut query = audit_log::Entity::find().filter(audit_log::Column::StreetId.eq(street_id));
    if let Some(action) = filter.action {
        query = query.filter(audit_log::Column::Action.eq(action.key()));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(from) = filter.from_ms {
        query = query.filter(audit_log::Column::At.gte(from));
    }
    if let Some(to) = filter.to_ms {
        query = query.filter(audit_log::Column::At.lte(to));
    }
    let total = query.clone().count(conn).await?;
    let entries = query
        .order_by_desc(audit_log::Column::Id)
        .offset(page * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(conn)
        .await?;
    let actor_ids: Vec<i64> = entries.iter().filter_map(|e| e.actor_id).collect();
    let names = crate::accounts::names(conn, &actor_ids).await?;
    let rows = entries
        .into_iter()
        .map(|e| Row {
            id: e.id,
            at: e.at,
            actor_name: e.actor_id.and_then(|id| names.get(&id).cloned()),
            actor_id: e.actor_id,
            action: e.action,
            subject: e.subject,
            before: e.before,
            after: e.after,
        })
        .collect();
    Ok((rows, total))
}
