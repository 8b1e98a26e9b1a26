//! Login sessions, kept in the database so that any server process sharing it serves the
//! same logged-in person.

use crate::entity::session;
use crate::{Result, now_ms};
use rand::RngCore;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
pub use sha2_shim::digest_hex;

/// How long a session lasts without a new login: elder users should not be logged out mid-task,
/// so it is long.
pub const LIFETIME_MS: i64 = 30 * 24 * 3600 * 1000;

mod sha2_shim {
    /// Hex SHA-256, used so the table never holds a usable token.
    pub fn digest_hex(input: &str) -> String {
        use std::fmt::Write;
        let digest = <sha2::Sha256 as sha2::Digest>::digest(input.as_bytes());
        digest.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

/// A fresh random token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a session and returns the token for the cookie.
pub async fn start(conn: &impl ConnectionTrait, account_id: i64) -> Result<String> {
    let token = new_token();
    let now = now_ms();
    session::Entity::insert(session::ActiveModel {
        id: Set(digest_hex(&token)),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(now + LIFETIME_MS),
    })
    .exec(conn)
    .await?;
    Ok(token)
}

/// The account a token belongs to, if the session exists and has not expired.
pub async fn account_of(conn: &impl ConnectionTrait, token: &str) -> Result<Option<i64>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let found = session::Entity::find_by_id(digest_hex(token))
        .one(conn)
        .await?;
    Ok(found
        .filter(|s| s.expires_at > now_ms())
        .map(|s| s.account_id))
}

pub async fn end(conn: &impl ConnectionTrait, token: &str) -> Result<()> {
    session::Entity::delete_by_id(digest_hex(token))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn end_all(conn: &impl ConnectionTrait, account_id: i64) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of an account but the one with token `keep`.
pub async fn end_all_but(conn: &impl ConnectionTrait, account_id: i64, keep: &str) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::Id.ne(digest_hex(keep)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes expired sessions; called now and then by the server.
pub async fn sweep(conn: &impl ConnectionTrait) -> Result<u64> {
    let res = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now_ms()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}
