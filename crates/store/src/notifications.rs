//! The notification centre: what concerns each person, written in the same transaction as the
//! change it tells about.

use crate::entity::notification;
use crate::{Result, now_ms};
use chuangxiang_domain::notify::Notice;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub use notification::Model as Notification;

/// Tells each of `accounts` (once, whatever the repeats) about `notice`.
pub async fn push(
    conn: &impl ConnectionTrait,
    accounts: &[i64],
    notice: Notice,
    subject: &str,
    link: &str,
) -> Result<()> {
    let mut to: Vec<i64> = accounts.to_vec();
    to.sort_unstable();
    to.dedup();
    if to.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let subject: String = subject.chars().take(120).collect();
    notification::Entity::insert_many(to.into_iter().map(|account_id| notification::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        kind: Set(notice.key().to_owned()),
        subject: Set(subject.clone()),
        link: Set(link.to_owned()),
        created_at: Set(now),
        read_at: Set(None),
    }))
    .exec(conn)
    .await?;
    Ok(())
}

/// A person's latest notifications, newest first.
pub async fn latest(
    conn: &impl ConnectionTrait,
    account_id: i64,
    limit: u64,
) -> Result<Vec<Notification>> {
    Ok(notification::Entity::find()
        .filter(notification::Column::AccountId.eq(account_id))
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

pub async fn unread(conn: &impl ConnectionTrait, account_id: i64) -> Result<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::AccountId.eq(account_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(conn)
        .await?)
}

/// Marks everything the person has been told as read.
pub async fn mark_read(conn: &impl ConnectionTrait, account_id: i64) -> Result<()> {
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(now_ms())))
        .filter(notification::Column::AccountId.eq(account_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
