//! Persistence for Chuangxiang: SeaORM entities, migrations and queries that run unchanged on
//! SQLite (the embedded default), PostgreSQL and MySQL/MariaDB.
//!
//! Storage errors stop here: callers see [`StoreError`], never `sea_orm::DbErr`.

pub mod accounts;
pub mod audit;
pub mod demo;
pub mod demo_ideas;
pub mod demo_proposals;
pub mod demo_scale;
pub mod entity;
pub mod ideas;
pub mod migration;
pub mod notifications;
pub mod org;
pub mod proposals;
pub mod rounds;
pub mod season;
pub mod sessions;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, SqlErr,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

pub use sea_orm::DatabaseConnection as Db;

/// What went wrong in storage, in terms a handler can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique rule was broken: the number is registered, the name is taken.
    #[error("already exists")]
    Conflict,
    /// A rule that only the store can check in its transaction refused the change (a password
    /// reset for an account that turned out to hold a role).
    #[error("not allowed")]
    Forbidden,
    #[error("database error: {0}")]
    Database(String),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict,
            _ => StoreError::Database(err.to_string()),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch: how every moment is stored, identically on every engine.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Opens the database named by `url`. For SQLite the file (and its folder) is created and
/// put in WAL mode so that readers never wait for the writer.
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    let url = if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        if let Some(path) = sqlite_path(url)
            && let Some(dir) = std::path::Path::new(&path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Database(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    };
    let mut options = ConnectOptions::new(url.clone());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's rule; a small pool keeps readers parallel under WAL.
        options.max_connections(8).min_connections(1);
        if url.contains(":memory:") {
            options.max_connections(1);
        }
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        options.max_connections(32).min_connections(1);
    }
    Ok(Database::connect(options).await?)
}

/// The file path of a `sqlite:` URL, if it names a file.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.to_owned())
    }
}

/// Opens a database that must already exist and hold data, without creating or migrating
/// anything: what a backup reads from. A mistyped SQLite path is an error, not a new empty file.
pub async fn connect_existing(url: &str) -> Result<DatabaseConnection> {
    let url = if url.starts_with("sqlite:") && !url.contains(":memory:") {
        let path =
            sqlite_path(url).ok_or_else(|| StoreError::Database("no database file".into()))?;
        if !std::path::Path::new(&path).is_file() {
            return Err(StoreError::Database(format!(
                "there is no database at {path}"
            )));
        }
        let url = url.replace("mode=rwc", "mode=rw");
        if url.contains("mode=") {
            url
        } else {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rw")
        }
    } else {
        url.to_owned()
    };
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false);
    let db = Database::connect(options).await?;
    // A database without our tables fails the count, which is the same answer: nothing here.
    if demo::is_empty(&db).await.unwrap_or(true) {
        return Err(StoreError::Database(
            "the database holds no data (is the path or --data-dir right?)".into(),
        ));
    }
    Ok(db)
}

/// Brings the schema up to date.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    migration::Migrator::up(db, None).await?;
    Ok(())
}

/// Which engine a connection talks to, for messages and the backup command.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "SQLite",
        DbBackend::Postgres => "PostgreSQL",
        DbBackend::MySql => "MySQL/MariaDB",
        _ => "unknown",
    }
}

/// Writes a consistent copy of a SQLite database to `to` while the server keeps running
/// (`VACUUM INTO` reads one snapshot). Server databases have their own tools.
pub async fn backup_sqlite(db: &DatabaseConnection, to: &std::path::Path) -> Result<()> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(StoreError::Database(
            "online backup is for SQLite; use pg_dump for PostgreSQL or mariadb-dump for MariaDB"
                .into(),
        ));
    }
    if to.exists() {
        return Err(StoreError::Conflict);
    }
    let path = to.to_string_lossy().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{path}'"))
        .await?;
    Ok(())
}
