//! Accounts, their passwords and their roles.

use crate::audit::{self, Entry};
use crate::entity::{account, role_grant};
use crate::{Result, StoreError, now_ms};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chuangxiang_domain::account::{DisplayName, NewPassword, Phone, Role};
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_domain::policy::Grant;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

pub use account::Model as Account;

/// Hashes a password with argon2id. Slow on purpose: call it off the async executor.
pub fn hash_password(password: &NewPassword) -> Result<String> {
    let salt = new_salt()?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Database(format!("hashing failed: {e}")))
}

fn new_salt() -> Result<SaltString> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    SaltString::encode_b64(&bytes).map_err(|e| StoreError::Database(format!("salt: {e}")))
}

/// Checks a password against a stored hash. With no hash (an account that has none, or no
/// account at all) a dummy hash is checked instead, so that the time taken does not tell
/// whether a number is registered.
pub fn verify_password(stored: Option<&str>, password: &str) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        new_salt()
            .ok()
            .and_then(|salt| {
                Argon2::default()
                    .hash_password(b"not-a-real-password", &salt)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    });
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let ok = PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

#[derive(Serialize)]
struct AccountAudit<'a> {
    display_name: &'a str,
    community_id: Option<i64>,
    has_phone: bool,
    proxy_consent: Option<&'a str>,
}

impl<'a> From<&'a account::Model> for AccountAudit<'a> {
    fn from(a: &'a account::Model) -> Self {
        // Phone numbers stay out of the log: the log is read by staff who need not see them.
        AccountAudit {
            display_name: &a.display_name,
            community_id: a.community_id,
            has_phone: a.phone.is_some(),
            proxy_consent: a.proxy_consent.as_deref(),
        }
    }
}

pub async fn by_id(conn: &impl ConnectionTrait, id: i64) -> Result<Account> {
    account::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn by_phone(conn: &impl ConnectionTrait, phone: &Phone) -> Result<Option<Account>> {
    Ok(account::Entity::find()
        .filter(account::Column::Phone.eq(phone.as_str()))
        .one(conn)
        .await?)
}

pub async fn phone_registered(conn: &impl ConnectionTrait, phone: &Phone) -> Result<bool> {
    Ok(by_phone(conn, phone).await?.is_some())
}

/// Which of `phones` are already registered, asked in batches rather than one query a number
/// (a street's register can hold tens of thousands of rows).
pub async fn registered_among(
    conn: &impl ConnectionTrait,
    phones: &[Phone],
) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in phones.chunks(500) {
        let rows: Vec<Option<String>> = account::Entity::find()
            .select_only()
            .column(account::Column::Phone)
            .filter(account::Column::Phone.is_in(chunk.iter().map(|p| p.as_str().to_owned())))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}

/// The given accounts, in no particular order.
pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// Display names of the given accounts.
pub async fn names(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, String>> {
    Ok(by_ids(conn, ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect())
}

/// The street an account's community belongs to, for audit entries.
async fn street_of_community(
    conn: &impl ConnectionTrait,
    community_id: Option<i64>,
) -> Result<Option<i64>> {
    match community_id {
        None => Ok(None),
        Some(id) => Ok(crate::org::community(conn, id)
            .await
            .ok()
            .map(|c| c.street_id)),
    }
}

/// A resident registers themself with a mobile number and a password (already hashed).
pub async fn register(
    db: &sea_orm::DatabaseConnection,
    phone: &Phone,
    password_hash: String,
    name: &DisplayName,
) -> Result<i64> {
    let txn = db.begin().await?;
    let model = account::ActiveModel {
        id: NotSet,
        phone: Set(Some(phone.as_str().to_owned())),
        password_hash: Set(Some(password_hash)),
        display_name: Set(name.as_str().to_owned()),
        community_id: Set(None),
        proxy_consent: Set(None),
        created_by: Set(None),
        created_at: Set(now_ms()),
        demo: Set(false),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(model.id),
            street_id: None,
            action: AuditAction::AccountRegistered,
            subject: format!("account:{}", model.id),
            before: None,
            after: Some(&AccountAudit::from(&model)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

/// What a coordinator or admin records when creating an account for someone else.
pub struct StaffCreated<'a> {
    pub name: &'a DisplayName,
    pub phone: Option<&'a Phone>,
    pub community_id: i64,
    pub street_id: i64,
    /// How the resident agreed to having an account (required: nobody is registered
    /// behind their back).
    pub consent: &'a str,
    pub password_hash: Option<String>,
}

pub async fn create_by_staff(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    new: StaffCreated<'_>,
) -> Result<i64> {
    let txn = db.begin().await?;
    let model = account::ActiveModel {
        id: NotSet,
        phone: Set(new.phone.map(|p| p.as_str().to_owned())),
        password_hash: Set(new.password_hash),
        display_name: Set(new.name.as_str().to_owned()),
        community_id: Set(Some(new.community_id)),
        proxy_consent: Set(Some(new.consent.to_owned())),
        created_by: Set(Some(actor_id)),
        created_at: Set(now_ms()),
        demo: Set(false),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(new.street_id),
            action: AuditAction::AccountCreatedByStaff,
            subject: format!("account:{}", model.id),
            before: None,
            after: Some(&AccountAudit::from(&model)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

/// A resident says which community they live in.
pub async fn set_community(
    db: &sea_orm::DatabaseConnection,
    account_id: i64,
    community_id: i64,
) -> Result<()> {
    let txn = db.begin().await?;
    let before = by_id(&txn, account_id).await?;
    crate::org::community(&txn, community_id).await?;
    let mut active: account::ActiveModel = before.clone().into();
    active.community_id = Set(Some(community_id));
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(account_id),
            street_id: street_of_community(&txn, Some(community_id)).await?,
            action: AuditAction::AccountCommunitySet,
            subject: format!("account:{account_id}"),
            before: Some(&AccountAudit::from(&before)),
            after: Some(&AccountAudit::from(&after)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A coordinator or admin sets a new password for a resident (who lost theirs, or never had
/// one). Every session of the resident ends.
pub async fn reset_password(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    street_id: i64,
    account_id: i64,
    password_hash: String,
) -> Result<()> {
    let txn = db.begin().await?;
    let before = by_id(&txn, account_id).await?;
    let mut active: account::ActiveModel = before.into();
    active.password_hash = Set(Some(password_hash));
    active.update(&txn).await?;
    crate::sessions::end_all(&txn, account_id).await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor_id),
            street_id: Some(street_id),
            action: AuditAction::PasswordReset,
            subject: format!("account:{account_id}"),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Every role an account holds.
pub async fn grants(conn: &impl ConnectionTrait, account_id: i64) -> Result<Vec<Grant>> {
    let rows = role_grant::Entity::find()
        .filter(role_grant::Column::AccountId.eq(account_id))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|g| Role::from_key(&g.role).and_then(|r| Grant::from_parts(r, g.scope_id)))
        .collect())
}

/// Gives an account a role. Granting a role it already holds is a conflict.
pub async fn grant(
    db: &sea_orm::DatabaseConnection,
    actor_id: Option<i64>,
    street_id: i64,
    account_id: i64,
    grant: Grant,
) -> Result<()> {
    let txn = db.begin().await?;
    by_id(&txn, account_id).await?;
    role_grant::ActiveModel {
        id: NotSet,
        account_id: Set(account_id),
        role: Set(grant.role().key().to_owned()),
        scope_id: Set(grant.scope_id()),
        created_at: Set(now_ms()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id,
            street_id: Some(street_id),
            action: AuditAction::RoleGranted,
            subject: format!("account:{account_id}"),
            before: None,
            after: Some(&grant),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Residents of a community, a page at a time, by name.
pub async fn residents(
    conn: &impl ConnectionTrait,
    community_id: i64,
    page: u64,
) -> Result<(Vec<Account>, u64)> {
    let query = account::Entity::find().filter(account::Column::CommunityId.eq(community_id));
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(account::Column::DisplayName)
        .order_by_asc(account::Column::Id)
        .offset(page * 50)
        .limit(50)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Accounts holding a role for a scope (the coordinators of a community, say).
pub async fn holders(conn: &impl ConnectionTrait, grant: Grant) -> Result<Vec<Account>> {
    let ids: Vec<i64> = role_grant::Entity::find()
        .filter(role_grant::Column::Role.eq(grant.role().key()))
        .filter(role_grant::Column::ScopeId.eq(grant.scope_id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| g.account_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .order_by_asc(account::Column::Id)
        .all(conn)
        .await?)
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64> {
    Ok(account::Entity::find().count(conn).await?)
}
