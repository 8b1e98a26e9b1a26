//! Foreign keys on every reference between tables, each `ON DELETE` chosen on purpose
//! (ARCHITECTURE.md, "Decisions", says why):
//!
//! - **RESTRICT** for history and money, and for whoever did something on record: a parent that
//!   an idea, a proposal, a sheet, an objection, a project or an audit entry points at cannot be
//!   deleted. A person who has taken part is anonymised, never deleted.
//! - **CASCADE** for rows that are part of their parent and mean nothing without it: a person's
//!   sessions, grants and notifications, a proposal's versions, team, notes and idea links, an
//!   idea's photos, supports and search terms, a season's steps and categories, a round's
//!   line-up, judges and recusals, a community's courtyards, coaching assignments.
//! - **SET NULL** where the column is optional and describes the present, not the past: where a
//!   person lives (`account.community_id`), which proposal is on stage (`round.presenting`).
//!
//! `role_grant.scope_id` has no key: it names a street, a community or an organisation
//! depending on the role.
//!
//! **Orphans.** A row that already points at a missing parent is not deleted or changed: the
//! migration first looks for such rows on every engine and, if there are any, stops before
//! changing anything and names them (table, column, how many, the first ids), so that whoever
//! runs it decides what each one should be. The Wangjing demo has none (a test loads it under
//! the keys).
//!
//! **How.** PostgreSQL and MariaDB add the constraints with `ALTER TABLE … ADD CONSTRAINT`, one
//! statement per table (MariaDB rebuilds a table once per statement, and creates an index
//! named after the key on a column that has none). SQLite cannot add a constraint to a table,
//! so each table is rebuilt as SQLite documents (the twelve steps of "Making Other Kinds Of
//! Table Schema Changes"): on one connection with `foreign_keys` off, in one transaction, the
//! table's own `CREATE TABLE` text from `sqlite_master` with the constraints appended, the rows
//! copied, the old table dropped, the new one renamed, its indexes and its AUTOINCREMENT
//! counter restored, and `PRAGMA foreign_key_check` before the commit. `down` removes exactly
//! what `up` added, the same way (on MariaDB, also the indexes the keys created).

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseExecutor, Statement};
use sea_orm_migration::prelude::*;
use std::collections::BTreeSet;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnDelete {
    Restrict,
    Cascade,
    SetNull,
}

impl OnDelete {
    fn sql(self) -> &'static str {
        match self {
            OnDelete::Restrict => "RESTRICT",
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
        }
    }
}

use OnDelete::{Cascade, Restrict, SetNull};

/// Table, column, referenced table (always its `id`), what a delete of the parent does.
type Key = (&'static str, &'static str, &'static str, OnDelete);

const KEYS: &[Key] = &[
    // The organisation model.
    ("street", "district_id", "district", Restrict),
    ("community", "street_id", "street", Restrict),
    ("courtyard", "community_id", "community", Cascade),
    ("organisation", "street_id", "street", Restrict),
    // People.
    ("account", "community_id", "community", SetNull),
    ("account", "created_by", "account", Restrict),
    ("role_grant", "account_id", "account", Cascade),
    ("session", "account_id", "account", Cascade),
    ("audit_log", "actor_id", "account", Restrict),
    ("audit_log", "street_id", "street", Restrict),
    // The season.
    ("season", "street_id", "street", Restrict),
    ("season_step", "season_id", "season", Cascade),
    ("season_category", "season_id", "season", Cascade),
    // Golden ideas.
    ("idea", "season_id", "season", Restrict),
    ("idea", "community_id", "community", Restrict),
    ("idea", "category_id", "season_category", Restrict),
    ("idea", "author_id", "account", Restrict),
    ("idea", "organisation_id", "organisation", Restrict),
    ("idea", "submitted_by", "account", Restrict),
    ("idea", "merged_into", "idea", Restrict),
    ("idea", "reviewed_by", "account", Restrict),
    ("idea_photo", "idea_id", "idea", Cascade),
    ("idea_support", "idea_id", "idea", Cascade),
    ("idea_support", "account_id", "account", Restrict),
    ("idea_term", "idea_id", "idea", Cascade),
    // Proposals.
    ("coaching", "season_id", "season", Cascade),
    ("coaching", "community_id", "community", Cascade),
    ("coaching", "organisation_id", "organisation", Cascade),
    ("proposal", "season_id", "season", Restrict),
    ("proposal", "community_id", "community", Restrict),
    ("proposal", "category_id", "season_category", Restrict),
    ("proposal", "owner_id", "account", Restrict),
    ("proposal", "updated_by", "account", Restrict),
    ("proposal", "ready_by", "account", Restrict),
    ("proposal", "shortlisted_by", "account", Restrict),
    ("proposal_idea", "proposal_id", "proposal", Cascade),
    ("proposal_idea", "idea_id", "idea", Restrict),
    ("proposal_member", "proposal_id", "proposal", Cascade),
    ("proposal_member", "account_id", "account", Restrict),
    ("proposal_member", "invited_by", "account", Restrict),
    ("proposal_version", "proposal_id", "proposal", Cascade),
    ("proposal_version", "saved_by", "account", Restrict),
    ("proposal_note", "proposal_id", "proposal", Cascade),
    ("proposal_note", "author_id", "account", Restrict),
    ("notification", "account_id", "account", Cascade),
    // Rounds.
    ("round", "season_id", "season", Restrict),
    ("round", "presenting", "proposal", SetNull),
    ("round_proposal", "round_id", "round", Cascade),
    ("round_proposal", "proposal_id", "proposal", Restrict),
    ("judge", "round_id", "round", Cascade),
    ("judge", "account_id", "account", Restrict),
    ("recusal", "round_id", "round", Cascade),
    ("recusal", "account_id", "account", Restrict),
    ("recusal", "proposal_id", "proposal", Restrict),
    ("sheet", "round_id", "round", Restrict),
    ("sheet", "proposal_id", "proposal", Restrict),
    ("sheet", "account_id", "account", Restrict),
    ("sheet", "entered_by", "account", Restrict),
    ("objection", "round_id", "round", Restrict),
    ("objection", "account_id", "account", Restrict),
    ("objection", "answered_by", "account", Restrict),
    ("project", "season_id", "season", Restrict),
    ("project", "round_id", "round", Restrict),
    ("project", "proposal_id", "proposal", Restrict),
    ("project", "community_id", "community", Restrict),
];

fn name(table: &str, column: &str) -> String {
    format!("fk_{table}_{column}")
}

/// The tables that get keys, each once, in the order of `KEYS`.
fn tables() -> Vec<&'static str> {
    let mut seen = BTreeSet::new();
    KEYS.iter()
        .map(|k| k.0)
        .filter(|t| seen.insert(*t))
        .collect()
}

fn keys_of(table: &str) -> impl Iterator<Item = &'static Key> {
    KEYS.iter().filter(move |k| k.0 == table)
}

fn quote(backend: DatabaseBackend, ident: &str) -> String {
    match backend {
        DatabaseBackend::MySql => format!("`{ident}`"),
        _ => format!("\"{ident}\""),
    }
}

/// `CONSTRAINT fk_… FOREIGN KEY (column) REFERENCES parent (id) ON DELETE …`.
fn constraint(backend: DatabaseBackend, key: &Key) -> String {
    let (table, column, parent, on_delete) = *key;
    let q = |s: &str| quote(backend, s);
    format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
        q(&name(table, column)),
        q(column),
        q(parent),
        q("id"),
        on_delete.sql()
    )
}

async fn query_strings(conn: &impl ConnectionTrait, sql: &str) -> Result<Vec<String>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect()
}

/// Rows that point at a missing parent, described per key; empty when there are none.
async fn orphans(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let backend = conn.get_database_backend();
    let q = |s: &str| quote(backend, s);
    let mut found = Vec::new();
    for &(table, column, parent, _) in KEYS {
        let sql = format!(
            "SELECT c.{id} FROM {t} c WHERE c.{col} IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM {p} p WHERE p.{id} = c.{col}) ORDER BY c.{id}",
            id = q("id"),
            t = q(table),
            col = q(column),
            p = q(parent),
        );
        let rows = conn
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        if rows.is_empty() {
            continue;
        }
        let ids: Vec<String> = rows
            .iter()
            .take(10)
            .map(|r| {
                r.try_get_by_index::<i64>(0)
                    .map_or_else(|_| "?".to_owned(), |id| id.to_string())
            })
            .collect();
        found.push(format!(
            "{table}.{column}: {} row(s) refer to a missing {parent} (ids {}{})",
            rows.len(),
            ids.join(", "),
            if rows.len() > ids.len() { ", …" } else { "" }
        ));
    }
    Ok(found)
}

/// The foreign keys of the current schema, by name (PostgreSQL and MariaDB).
async fn existing_keys(conn: &impl ConnectionTrait) -> Result<BTreeSet<String>, DbErr> {
    let (name, schema) = match conn.get_database_backend() {
        DatabaseBackend::MySql => ("CAST(constraint_name AS CHAR)", "DATABASE()"),
        _ => ("constraint_name::text", "current_schema()"),
    };
    let sql = format!(
        "SELECT {name} FROM information_schema.table_constraints \
         WHERE constraint_type = 'FOREIGN KEY' AND table_schema = {schema}"
    );
    Ok(query_strings(conn, &sql).await?.into_iter().collect())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let found = orphans(conn).await?;
        if !found.is_empty() {
            return Err(DbErr::Migration(format!(
                "foreign keys cannot be added while rows point at missing parents; nothing was \
                 changed. Decide what each of these should be, then migrate again:\n{}",
                found.join("\n")
            )));
        }
        let backend = manager.get_database_backend();
        match backend {
            DatabaseBackend::Sqlite => sqlite::rebuild(conn, sqlite::Direction::Add).await,
            _ => {
                // Keys already there (a MariaDB run cut short: its DDL is not transactional)
                // are left as they are.
                let existing = existing_keys(conn).await?;
                for table in tables() {
                    let adds: Vec<String> = keys_of(table)
                        .filter(|k| !existing.contains(&name(k.0, k.1)))
                        .map(|k| format!("ADD {}", constraint(backend, k)))
                        .collect();
                    if adds.is_empty() {
                        continue;
                    }
                    let sql = format!("ALTER TABLE {} {}", quote(backend, table), adds.join(", "));
                    conn.execute_unprepared(&sql).await?;
                }
                Ok(())
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        match backend {
            DatabaseBackend::Sqlite => sqlite::rebuild(conn, sqlite::Direction::Remove).await,
            _ => {
                let existing = existing_keys(conn).await?;
                for table in tables() {
                    let ours: Vec<String> = keys_of(table)
                        .map(|k| name(k.0, k.1))
                        .filter(|n| existing.contains(n))
                        .collect();
                    if ours.is_empty() {
                        continue;
                    }
                    let verb = if backend == DatabaseBackend::MySql {
                        "DROP FOREIGN KEY"
                    } else {
                        "DROP CONSTRAINT"
                    };
                    let drops: Vec<String> = ours
                        .iter()
                        .map(|n| format!("{verb} {}", quote(backend, n)))
                        .collect();
                    let sql = format!("ALTER TABLE {} {}", quote(backend, table), drops.join(", "));
                    conn.execute_unprepared(&sql).await?;
                    if backend == DatabaseBackend::MySql {
                        // The indexes MariaDB created for the keys carry the keys' names.
                        let list = ours
                            .iter()
                            .map(|n| format!("'{n}'"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let indexes = query_strings(
                            conn,
                            &format!(
                                "SELECT DISTINCT CAST(index_name AS CHAR) FROM \
                                 information_schema.statistics WHERE table_schema = DATABASE() \
                                 AND table_name = '{table}' AND index_name IN ({list})"
                            ),
                        )
                        .await?;
                        for index in indexes {
                            conn.execute_unprepared(&format!(
                                "ALTER TABLE {} DROP INDEX {}",
                                quote(backend, table),
                                quote(backend, &index)
                            ))
                            .await?;
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// SQLite's table rebuild, on a connection of its own (the pragma is per connection, and has
/// no effect inside a transaction).
mod sqlite {
    use super::{DatabaseBackend, DatabaseExecutor, DbErr, constraint, keys_of, tables};
    use sea_orm::sqlx::{self, AssertSqlSafe, Row, SqliteConnection};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Direction {
        Add,
        Remove,
    }

    fn err(e: sqlx::Error) -> DbErr {
        DbErr::Migration(format!(
            "rebuilding the tables with their foreign keys: {e}"
        ))
    }

    pub(super) async fn rebuild(
        conn: &DatabaseExecutor<'_>,
        direction: Direction,
    ) -> Result<(), DbErr> {
        let DatabaseExecutor::Connection(db) = conn else {
            return Err(DbErr::Migration(
                "the foreign-key migration rebuilds tables on SQLite and must run outside a \
                 transaction"
                    .into(),
            ));
        };
        let mut c = db
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(err)?;
        let was_on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *c)
            .await
            .map_err(err)?;
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *c)
            .await
            .map_err(err)?;
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *c)
            .await
            .map_err(err)?;
        let done = match rebuild_all(&mut c, direction).await {
            Ok(()) => sqlx::query("COMMIT")
                .execute(&mut *c)
                .await
                .map(|_| ())
                .map_err(err),
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *c).await;
                Err(e)
            }
        };
        let restore = if was_on != 0 {
            "PRAGMA foreign_keys = ON"
        } else {
            "PRAGMA foreign_keys = OFF"
        };
        if sqlx::query(restore).execute(&mut *c).await.is_err() {
            // Never hand the pool a connection without its keys.
            c.close_on_drop();
        }
        done
    }

    async fn rebuild_all(c: &mut SqliteConnection, direction: Direction) -> Result<(), DbErr> {
        for table in tables() {
            let sql: String = sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            )
            .bind(table)
            .fetch_one(&mut *c)
            .await
            .map_err(err)?;
            let clauses: Vec<String> = keys_of(table)
                .map(|k| format!(", {}", constraint(DatabaseBackend::Sqlite, k)))
                .collect();
            let wanted = match direction {
                Direction::Add => {
                    // Already there, all of them: nothing to do.
                    if clauses.iter().all(|cl| sql.contains(cl.as_str())) {
                        continue;
                    }
                    let mut without = sql.clone();
                    for cl in &clauses {
                        without = without.replace(cl.as_str(), "");
                    }
                    let close = without.rfind(')').ok_or_else(|| {
                        DbErr::Migration(format!("unexpected definition of {table}: {sql}"))
                    })?;
                    format!(
                        "{}{}{}",
                        &without[..close],
                        clauses.concat(),
                        &without[close..]
                    )
                }
                Direction::Remove => {
                    let mut without = sql.clone();
                    for cl in &clauses {
                        without = without.replace(cl.as_str(), "");
                    }
                    if without == sql {
                        continue;
                    }
                    without
                }
            };
            rebuild_one(c, table, &wanted).await?;
        }
        let problems = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *c)
            .await
            .map_err(err)?;
        if let Some(first) = problems.first() {
            let table: String = first.try_get(0).map_err(err)?;
            let parent: String = first.try_get(2).map_err(err)?;
            return Err(DbErr::Migration(format!(
                "{} row(s) point at a missing parent (the first: in {table}, to {parent}); \
                 nothing was changed",
                problems.len()
            )));
        }
        Ok(())
    }

    /// Replaces `table` by one defined as `definition` (its own `CREATE TABLE` text, changed
    /// only in its constraints), keeping its rows, indexes and AUTOINCREMENT counter.
    async fn rebuild_one(
        c: &mut SqliteConnection,
        table: &str,
        definition: &str,
    ) -> Result<(), DbErr> {
        let temp = format!("{table}__rebuilt");
        let open = definition.find('(').ok_or_else(|| {
            DbErr::Migration(format!("unexpected definition of {table}: {definition}"))
        })?;
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        )
        .bind(table)
        .fetch_all(&mut *c)
        .await
        .map_err(err)?;
        let counter: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = ?")
                .bind(table)
                .fetch_optional(&mut *c)
                .await
                .map_err(err)?;
        for sql in [
            format!("CREATE TABLE \"{temp}\" {}", &definition[open..]),
            format!("INSERT INTO \"{temp}\" SELECT * FROM \"{table}\""),
            format!("DROP TABLE \"{table}\""),
            format!("ALTER TABLE \"{temp}\" RENAME TO \"{table}\""),
        ]
        .into_iter()
        .chain(indexes)
        {
            sqlx::query(AssertSqlSafe(sql))
                .execute(&mut *c)
                .await
                .map_err(err)?;
        }
        if let Some(seq) = counter {
            // Ids of deleted rows are never handed out again, as before the rebuild.
            sqlx::query("DELETE FROM sqlite_sequence WHERE name = ?")
                .bind(table)
                .execute(&mut *c)
                .await
                .map_err(err)?;
            sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")
                .bind(table)
                .bind(seq)
                .execute(&mut *c)
                .await
                .map_err(err)?;
        }
        Ok(())
    }
}
