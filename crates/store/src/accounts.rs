//! Accounts, their passwords and their roles.

use crate::audit::{self, Entry};
use crate::entity::{account, role_grant};
use crate::{Result, StoreError, now_ms};
use argon2::Argon2;
use argon2::password_hash::{self, PasswordHash, SaltString};
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

/// Argon2's working memory (19 MiB with the default parameters), kept by a long-lived thread
/// and reused for every hash it computes. Each hash allocating its own buffer left a busy
/// server holding hundreds of megabytes, because the allocator keeps freed buffers per thread.
#[derive(Default)]
pub struct HashMemory(Vec<argon2::Block>);

/// The largest working memory a stored hash may ask for (256 MiB): a hash from elsewhere
/// with absurd parameters is refused rather than allocated.
const MAX_HASH_BLOCKS: usize = 256 * 1024;

/// Hashes a password with argon2id. Slow on purpose: call it off the async executor.
pub fn hash_password(password: &NewPassword) -> Result<String> {
    hash_password_in(password, &mut HashMemory::default())
}

/// [`hash_password`] in the given working memory.
pub fn hash_password_in(password: &NewPassword, memory: &mut HashMemory) -> Result<String> {
    let salt = new_salt()?;
    argon2_hash(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::default(),
        password.expose().as_bytes(),
        salt.as_salt(),
        memory,
    )
    .map(|h| h.to_string())
    .map_err(|e| StoreError::Database(format!("hashing failed: {e}")))
}

/// Argon2 with caller-provided memory, as a PHC string (`$argon2id$v=19$m=…`).
fn argon2_hash<'a>(
    algorithm: argon2::Algorithm,
    version: argon2::Version,
    params: argon2::Params,
    password: &[u8],
    salt: password_hash::Salt<'a>,
    memory: &mut HashMemory,
) -> password_hash::Result<PasswordHash<'a>> {
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let blocks = params.block_count();
    if blocks > MAX_HASH_BLOCKS {
        return Err(password_hash::Error::ParamValueInvalid(
            password_hash::errors::InvalidValue::TooLong,
        ));
    }
    if memory.0.len() < blocks {
        memory.0.resize(blocks, argon2::Block::default());
    }
    let output_len = params
        .output_len()
        .unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN);
    let hasher = Argon2::new(algorithm, version, params.clone());
    let output = password_hash::Output::init_with(output_len, |out| {
        Ok(hasher.hash_password_into_with_memory(
            password,
            salt_bytes,
            out,
            &mut memory.0[..blocks],
        )?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: password_hash::ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output),
    })
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
    verify_password_in(stored, password, &mut HashMemory::default())
}

/// [`verify_password`] in the given working memory.
pub fn verify_password_in(stored: Option<&str>, password: &str, memory: &mut HashMemory) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        NewPassword::parse("not-a-real-password")
            .ok()
            .and_then(|p| hash_password(&p).ok())
            .unwrap_or_default()
    });
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let mut matches = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = argon2::Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => argon2::Version::try_from(v).ok()?,
            None => argon2::Version::default(),
        };
        let params = argon2::Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let computed = argon2_hash(
            algorithm,
            version,
            params,
            password.as_bytes(),
            parsed.salt?,
            memory,
        )
        .ok()?;
        // `Output` compares in constant time.
        Some(computed.hash == Some(expected))
    };
    matches().unwrap_or(false) && real
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

/// Why a password was set by someone else: the resident asked, and how that was checked.
#[derive(Serialize)]
struct ResetAudit<'a> {
    consent: &'a str,
    sessions_ended: bool,
}

/// A coordinator or admin sets a new password for a resident (who lost theirs, or never had
/// one) at the resident's own request, recorded in `consent`. Every session of the resident
/// ends. An account holding any role is refused here (`Forbidden`), checked inside the
/// transaction so that a role granted a moment ago counts.
pub async fn reset_password(
    db: &sea_orm::DatabaseConnection,
    actor_id: i64,
    street_id: i64,
    account_id: i64,
    password_hash: String,
    consent: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    let before = by_id(&txn, account_id).await?;
    if !grants(&txn, account_id).await?.is_empty() {
        return Err(StoreError::Forbidden);
    }
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
            after: Some(&ResetAudit {
                consent,
                sessions_ended: true,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A person sets a new password of their own (already hashed). Every other session of theirs
/// ends: a phone left logged in somewhere is logged out; the session `keep` stays.
pub async fn change_password(
    db: &sea_orm::DatabaseConnection,
    account_id: i64,
    password_hash: String,
    keep: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    let before = by_id(&txn, account_id).await?;
    let street_id = street_of_community(&txn, before.community_id).await?;
    let mut active: account::ActiveModel = before.into();
    active.password_hash = Set(Some(password_hash));
    active.update(&txn).await?;
    crate::sessions::end_all_but(&txn, account_id, keep).await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(account_id),
            street_id,
            action: AuditAction::PasswordChanged,
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

/// Residents of a community, a page at a time, by name. Accounts holding any role are staff
/// and are not listed, whichever community they chose to live in: staff are managed by the
/// street, not from a community's page.
pub async fn residents(
    conn: &impl ConnectionTrait,
    community_id: i64,
    page: u64,
) -> Result<(Vec<Account>, u64)> {
    let staff = sea_orm::sea_query::Query::select()
        .column(role_grant::Column::AccountId)
        .from(role_grant::Entity)
        .to_owned();
    let query = account::Entity::find()
        .filter(account::Column::CommunityId.eq(community_id))
        .filter(account::Column::Id.not_in_subquery(staff));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_hashed_in_reused_memory_verifies_and_a_wrong_one_does_not() {
        let mut memory = HashMemory::default();
        let password = NewPassword::parse("chuangxiang2017").expect("long enough");
        let hash = hash_password_in(&password, &mut memory).expect("hashes");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        for _ in 0..2 {
            assert!(verify_password_in(
                Some(&hash),
                "chuangxiang2017",
                &mut memory
            ));
            assert!(!verify_password_in(
                Some(&hash),
                "chuangxiang2018",
                &mut memory
            ));
        }
        assert!(!verify_password_in(None, "chuangxiang2017", &mut memory));
        assert!(!verify_password_in(Some("not a hash"), "x", &mut memory));
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = new_salt().expect("salt");
        let stored = Argon2::default()
            .hash_password(b"an older password", &salt)
            .expect("hashes")
            .to_string();
        let mut memory = HashMemory::default();
        assert!(verify_password_in(
            Some(&stored),
            "an older password",
            &mut memory
        ));
        assert!(!verify_password_in(
            Some(&stored),
            "another password",
            &mut memory
        ));
    }

    #[test]
    fn a_stored_hash_asking_for_gigabytes_is_refused_not_allocated() {
        let greedy = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$\
                      AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let mut memory = HashMemory::default();
        assert!(!verify_password_in(Some(greedy), "x", &mut memory));
        assert!(memory.0.is_empty(), "nothing was allocated");
    }
}
