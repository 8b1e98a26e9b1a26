//! The foreign-key migration on a database that already holds data, on the engine
//! `CHUANGXIANG_TEST_DB` names (sqlite by default, postgres or mysql, at the servers
//! `CHUANGXIANG_TEST_POSTGRES_URL` / `CHUANGXIANG_TEST_MYSQL_URL` or the web tests' defaults):
//! a row pointing at a missing parent stops it before anything changes, it keeps every row, and
//! its `down` takes away exactly what it added. What each key does is tested in the web suite
//! (`tests/app/schema.rs`).

use chuangxiang_store::{Db, demo, migration::Migrator};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many keys the migration adds.
const KEYS: i64 = 65;
/// The migrations before the foreign keys.
const BEFORE_KEYS: u32 = 7;

/// A database of its own on the chosen engine, dropped at the end.
struct Fresh {
    db: Db,
    /// The server connection and database name to drop (PostgreSQL, MariaDB).
    server: Option<(Db, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Fresh {
    async fn create() -> Fresh {
        let (server_url, mysql) = match std::env::var("CHUANGXIANG_TEST_DB").as_deref() {
            Ok("postgres") | Ok("postgresql") => (
                std::env::var("CHUANGXIANG_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
                false,
            ),
            Ok("mysql") | Ok("mariadb") => (
                std::env::var("CHUANGXIANG_TEST_MYSQL_URL")
                    .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into()),
                true,
            ),
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("fk.db").display());
                let db = chuangxiang_store::connect(&url).await.expect("connect");
                return Fresh {
                    db,
                    server: None,
                    _dir: Some(dir),
                };
            }
        };
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        // The web suite's leftover sweep recognises the name.
        let name = format!("cx_test_{secs}_{:08x}", rand::random::<u32>());
        let server = sea_orm::Database::connect(&server_url)
            .await
            .expect("reach the test database server");
        let create = if mysql {
            format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        } else {
            format!("CREATE DATABASE \"{name}\"")
        };
        server.execute_unprepared(&create).await.expect("create");
        let (base, query) = server_url
            .split_once('?')
            .map_or((server_url.as_str(), String::new()), |(b, q)| {
                (b, format!("?{q}"))
            });
        let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
        let db = chuangxiang_store::connect(&format!("{prefix}/{name}{query}"))
            .await
            .expect("connect");
        Fresh {
            db,
            server: Some((server, name)),
            _dir: None,
        }
    }

    async fn drop(self) {
        let _ = self.db.close().await;
        if let Some((server, name)) = self.server {
            let sql = match server.get_database_backend() {
                DbBackend::Postgres => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS `{name}`"),
            };
            let _ = server.execute_unprepared(&sql).await;
        }
    }
}

async fn number(db: &Db, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .and_then(|row| row.try_get_by_index::<i64>(0).ok())
        .unwrap_or_else(|| panic!("{sql}: no number"))
}

async fn foreign_key_count(db: &Db) -> i64 {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p \
             WHERE m.type = 'table'"
        }
        DbBackend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.table_constraints \
             WHERE constraint_type = 'FOREIGN KEY' AND table_schema = current_schema()"
        }
        _ => {
            "SELECT COUNT(*) FROM information_schema.table_constraints \
             WHERE constraint_type = 'FOREIGN KEY' AND table_schema = DATABASE()"
        }
    };
    number(db, sql).await
}

/// Indexes named like the keys: MariaDB makes one for a key whose column has none.
async fn key_indexes(db: &Db) -> i64 {
    match db.get_database_backend() {
        DbBackend::MySql => {
            number(
                db,
                "SELECT COUNT(*) FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND index_name LIKE 'fk\\_%'",
            )
            .await
        }
        _ => 0,
    }
}

const TABLES: [&str; 12] = [
    "account",
    "community",
    "role_grant",
    "audit_log",
    "season_category",
    "idea",
    "idea_support",
    "idea_term",
    "proposal",
    "proposal_version",
    "proposal_member",
    "notification",
];

async fn row_counts(db: &Db) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(number(db, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    counts
}

const ORPHAN: &str = "INSERT INTO proposal_version \
     (proposal_id, number, title, content, budget_total, saved_by, saved_at) \
     VALUES (900000001, 9001, 'orphan', '{}', '0', 1, 0)";

#[tokio::test]
async fn a_database_with_data_gains_its_keys_keeps_its_rows_and_loses_the_keys_on_down() {
    let fresh = Fresh::create().await;
    let db = &fresh.db;
    Migrator::up(db, Some(BEFORE_KEYS))
        .await
        .expect("the migrations before the keys");
    demo::load_wangjing(db)
        .await
        .expect("the demo, without keys");
    // An id handed out and taken back: the rebuild must not give it out again.
    db.execute_unprepared(ORPHAN.replace("900000001", "1").as_str())
        .await
        .expect("a version of proposal 1");
    let taken_back = number(db, "SELECT MAX(id) FROM proposal_version").await;
    db.execute_unprepared(&format!(
        "DELETE FROM proposal_version WHERE id = {taken_back}"
    ))
    .await
    .expect("delete it");

    // A row pointing nowhere stops the migration, naming it, before anything changes.
    db.execute_unprepared(ORPHAN)
        .await
        .expect("an orphan, without keys");
    let refused = Migrator::up(db, None)
        .await
        .expect_err("the migration refuses orphans");
    assert!(
        refused.to_string().contains("proposal_version.proposal_id"),
        "{refused}"
    );
    assert_eq!(foreign_key_count(db).await, 0, "nothing was changed");
    assert_eq!(
        Migrator::get_pending_migrations(db)
            .await
            .expect("pending")
            .len(),
        1
    );
    db.execute_unprepared("DELETE FROM proposal_version WHERE proposal_id = 900000001")
        .await
        .expect("the orphan removed");

    let before = row_counts(db).await;
    Migrator::up(db, None).await.expect("the keys are added");
    assert_eq!(foreign_key_count(db).await, KEYS);
    assert_eq!(row_counts(db).await, before, "every row is kept");
    assert!(
        db.execute_unprepared(ORPHAN).await.is_err(),
        "the keys hold"
    );
    db.execute_unprepared(ORPHAN.replace("900000001", "1").as_str())
        .await
        .expect("a version of proposal 1 again");
    assert!(
        number(db, "SELECT MAX(id) FROM proposal_version").await > taken_back,
        "an id given back is not handed out again"
    );
    db.execute_unprepared("DELETE FROM proposal_version WHERE title = 'orphan'")
        .await
        .expect("tidy");
    if db.get_database_backend() == DbBackend::MySql {
        assert!(
            key_indexes(db).await > 0,
            "MariaDB indexed the keys' columns"
        );
    }

    Migrator::down(db, Some(1))
        .await
        .expect("the keys are removed");
    assert_eq!(foreign_key_count(db).await, 0);
    assert_eq!(
        key_indexes(db).await,
        0,
        "MariaDB's indexes for the keys go too"
    );
    assert_eq!(row_counts(db).await, before, "every row is kept");

    Migrator::up(db, None).await.expect("and added again");
    assert_eq!(foreign_key_count(db).await, KEYS);

    // `demo --force`: every migration's down, children before parents, then up and the demo.
    demo::erase(db).await.expect("erase");
    demo::load_wangjing(db).await.expect("the demo, under keys");
    assert_eq!(foreign_key_count(db).await, KEYS);
    fresh.drop().await;
}
