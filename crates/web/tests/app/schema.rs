//! The schema itself, on whichever engine the suite runs: every reference between tables is a
//! foreign key with the `ON DELETE` the migration chose (read back from the engine's own
//! catalogue), a dangling reference is refused, history cannot be deleted from under its
//! records, and the parts of a thing go with it.

use crate::common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::collections::BTreeSet;

/// Table, column, referenced table (its `id`), delete rule: the decisions of
/// `m20261127_000008_foreign_keys`, written out again so that changing one is deliberate.
const KEYS: &[(&str, &str, &str, &str)] = &[
    ("street", "district_id", "district", "RESTRICT"),
    ("community", "street_id", "street", "RESTRICT"),
    ("courtyard", "community_id", "community", "CASCADE"),
    ("organisation", "street_id", "street", "RESTRICT"),
    ("account", "community_id", "community", "SET NULL"),
    ("account", "created_by", "account", "RESTRICT"),
    ("role_grant", "account_id", "account", "CASCADE"),
    ("session", "account_id", "account", "CASCADE"),
    ("audit_log", "actor_id", "account", "RESTRICT"),
    ("audit_log", "street_id", "street", "RESTRICT"),
    ("season", "street_id", "street", "RESTRICT"),
    ("season_step", "season_id", "season", "CASCADE"),
    ("season_category", "season_id", "season", "CASCADE"),
    ("idea", "season_id", "season", "RESTRICT"),
    ("idea", "community_id", "community", "RESTRICT"),
    ("idea", "category_id", "season_category", "RESTRICT"),
    ("idea", "author_id", "account", "RESTRICT"),
    ("idea", "organisation_id", "organisation", "RESTRICT"),
    ("idea", "submitted_by", "account", "RESTRICT"),
    ("idea", "merged_into", "idea", "RESTRICT"),
    ("idea", "reviewed_by", "account", "RESTRICT"),
    ("idea_photo", "idea_id", "idea", "CASCADE"),
    ("idea_support", "idea_id", "idea", "CASCADE"),
    ("idea_support", "account_id", "account", "RESTRICT"),
    ("idea_term", "idea_id", "idea", "CASCADE"),
    ("coaching", "season_id", "season", "CASCADE"),
    ("coaching", "community_id", "community", "CASCADE"),
    ("coaching", "organisation_id", "organisation", "CASCADE"),
    ("proposal", "season_id", "season", "RESTRICT"),
    ("proposal", "community_id", "community", "RESTRICT"),
    ("proposal", "category_id", "season_category", "RESTRICT"),
    ("proposal", "owner_id", "account", "RESTRICT"),
    ("proposal", "updated_by", "account", "RESTRICT"),
    ("proposal", "ready_by", "account", "RESTRICT"),
    ("proposal", "shortlisted_by", "account", "RESTRICT"),
    ("proposal_idea", "proposal_id", "proposal", "CASCADE"),
    ("proposal_idea", "idea_id", "idea", "RESTRICT"),
    ("proposal_member", "proposal_id", "proposal", "CASCADE"),
    ("proposal_member", "account_id", "account", "RESTRICT"),
    ("proposal_member", "invited_by", "account", "RESTRICT"),
    ("proposal_version", "proposal_id", "proposal", "CASCADE"),
    ("proposal_version", "saved_by", "account", "RESTRICT"),
    ("proposal_note", "proposal_id", "proposal", "CASCADE"),
    ("proposal_note", "author_id", "account", "RESTRICT"),
    ("notification", "account_id", "account", "CASCADE"),
    ("round", "season_id", "season", "RESTRICT"),
    ("round", "presenting", "proposal", "SET NULL"),
    ("round_proposal", "round_id", "round", "CASCADE"),
    ("round_proposal", "proposal_id", "proposal", "RESTRICT"),
    ("judge", "round_id", "round", "CASCADE"),
    ("judge", "account_id", "account", "RESTRICT"),
    ("recusal", "round_id", "round", "CASCADE"),
    ("recusal", "account_id", "account", "RESTRICT"),
    ("recusal", "proposal_id", "proposal", "RESTRICT"),
    ("sheet", "round_id", "round", "RESTRICT"),
    ("sheet", "proposal_id", "proposal", "RESTRICT"),
    ("sheet", "account_id", "account", "RESTRICT"),
    ("sheet", "entered_by", "account", "RESTRICT"),
    ("objection", "round_id", "round", "RESTRICT"),
    ("objection", "account_id", "account", "RESTRICT"),
    ("objection", "answered_by", "account", "RESTRICT"),
    ("project", "season_id", "season", "RESTRICT"),
    ("project", "round_id", "round", "RESTRICT"),
    ("project", "proposal_id", "proposal", "RESTRICT"),
    ("project", "community_id", "community", "RESTRICT"),
];

/// Columns that name another row but have no key on purpose: a grant's scope is a street, a
/// community or an organisation depending on the role.
const WITHOUT_KEY: &[(&str, &str)] = &[("role_grant", "scope_id")];

/// Whether a column, by its name, holds the id of another row.
fn names_a_row(column: &str) -> bool {
    column.ends_with("_id")
        || column.ends_with("_by")
        || column == "merged_into"
        || column == "presenting"
}

async fn strings(app: &TestApp, sql: &str) -> Vec<Vec<String>> {
    app.db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            (0..)
                .map_while(|i| row.try_get_by_index::<String>(i).ok())
                .collect()
        })
        .collect()
}

async fn number(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .and_then(|row| row.try_get_by_index::<i64>(0).ok())
        .unwrap_or_else(|| panic!("{sql}: no number"))
}

async fn run(app: &TestApp, sql: &str) -> Result<(), String> {
    app.db
        .execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn ok(app: &TestApp, sql: &str) {
    if let Err(e) = run(app, sql).await {
        panic!("{sql}: {e}");
    }
}

/// The statement fails, and because of a foreign key.
#[track_caller]
fn assert_refused_by_key(result: Result<(), String>, what: &str) {
    match result {
        Ok(()) => panic!("{what} was accepted"),
        Err(e) => assert!(
            e.to_lowercase().contains("foreign key"),
            "{what} failed, but not because of a foreign key: {e}"
        ),
    }
}

/// Each foreign key: table, column, referenced table, referenced column, delete rule.
async fn foreign_keys(app: &TestApp) -> BTreeSet<Vec<String>> {
    let sql = match app.db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT m.name, p.\"from\", p.\"table\", p.\"to\", p.on_delete \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p WHERE m.type = 'table'"
        }
        DbBackend::Postgres => {
            "SELECT kcu.table_name::text, kcu.column_name::text, ccu.table_name::text, \
             ccu.column_name::text, rc.delete_rule::text \
             FROM information_schema.referential_constraints rc \
             JOIN information_schema.key_column_usage kcu \
               ON kcu.constraint_schema = rc.constraint_schema \
              AND kcu.constraint_name = rc.constraint_name \
             JOIN information_schema.constraint_column_usage ccu \
               ON ccu.constraint_schema = rc.constraint_schema \
              AND ccu.constraint_name = rc.constraint_name \
             WHERE rc.constraint_schema = current_schema()"
        }
        _ => {
            "SELECT CAST(kcu.table_name AS CHAR), CAST(kcu.column_name AS CHAR), \
             CAST(kcu.referenced_table_name AS CHAR), CAST(kcu.referenced_column_name AS CHAR), \
             CAST(rc.delete_rule AS CHAR) \
             FROM information_schema.key_column_usage kcu \
             JOIN information_schema.referential_constraints rc \
               ON rc.constraint_schema = kcu.constraint_schema \
              AND rc.constraint_name = kcu.constraint_name \
             WHERE kcu.table_schema = DATABASE() AND kcu.referenced_table_name IS NOT NULL"
        }
    };
    strings(app, sql).await.into_iter().collect()
}

/// Every column of every table of ours: table, column.
async fn columns(app: &TestApp) -> Vec<Vec<String>> {
    let sql = match app.db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        DbBackend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema()"
        }
        _ => {
            "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR) \
             FROM information_schema.columns WHERE table_schema = DATABASE()"
        }
    };
    strings(app, sql).await
}

#[tokio::test]
async fn every_reference_is_a_foreign_key_with_the_delete_rule_chosen_for_it() {
    let app = TestApp::spawn().await;
    let expected: BTreeSet<Vec<String>> = KEYS
        .iter()
        .map(|(table, column, parent, rule)| {
            [*table, *column, *parent, "id", *rule]
                .map(str::to_owned)
                .to_vec()
        })
        .collect();
    let actual = foreign_keys(&app).await;
    let missing: Vec<_> = expected.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing keys: {missing:?}\nkeys nobody decided on: {unexpected:?}"
    );

    // A column added later that names a row needs a key, or a reason in WITHOUT_KEY.
    let keyed: BTreeSet<(&str, &str)> = KEYS.iter().map(|k| (k.0, k.1)).collect();
    let unkeyed: Vec<String> = columns(&app)
        .await
        .into_iter()
        .filter(|c| c.len() == 2 && c[0] != "seaql_migrations" && names_a_row(&c[1]))
        .filter(|c| {
            let pair = (c[0].as_str(), c[1].as_str());
            !keyed.contains(&pair) && !WITHOUT_KEY.contains(&pair)
        })
        .map(|c| format!("{}.{}", c[0], c[1]))
        .collect();
    assert!(
        unkeyed.is_empty(),
        "columns naming a row without a key: {unkeyed:?}"
    );
}

#[tokio::test]
async fn a_reference_to_a_row_that_does_not_exist_is_refused() {
    let app = TestApp::spawn().await;
    let missing = 900_000_001_i64;
    let account = number(&app, "SELECT MIN(id) FROM account").await;
    let proposal = number(&app, "SELECT MIN(id) FROM proposal").await;

    assert_refused_by_key(
        run(
            &app,
            &format!(
                "INSERT INTO session (id, account_id, created_at, expires_at) \
                 VALUES ('fk-test-dangling', {missing}, 0, 0)"
            ),
        )
        .await,
        "a session for an account that does not exist",
    );
    assert_refused_by_key(
        run(
            &app,
            &format!(
                "INSERT INTO proposal_version \
                 (proposal_id, number, title, content, budget_total, saved_by, saved_at) \
                 VALUES ({missing}, 1, 't', '{{}}', '0', {account}, 0)"
            ),
        )
        .await,
        "a version of a proposal that does not exist",
    );
    assert_refused_by_key(
        run(
            &app,
            &format!(
                "INSERT INTO proposal_version \
                 (proposal_id, number, title, content, budget_total, saved_by, saved_at) \
                 VALUES ({proposal}, 9001, 't', '{{}}', '0', {missing}, 0)"
            ),
        )
        .await,
        "a version saved by an account that does not exist",
    );
    let idea = number(&app, "SELECT MIN(id) FROM idea").await;
    assert_refused_by_key(
        run(
            &app,
            &format!("UPDATE idea SET merged_into = {missing} WHERE id = {idea}"),
        )
        .await,
        "an idea merged into one that does not exist",
    );

    // The same rows with real references go in: the refusals above are the keys' doing.
    ok(
        &app,
        &format!(
            "INSERT INTO session (id, account_id, created_at, expires_at) \
             VALUES ('fk-test-real', {account}, 0, 0)"
        ),
    )
    .await;
    ok(
        &app,
        &format!(
            "INSERT INTO proposal_version \
             (proposal_id, number, title, content, budget_total, saved_by, saved_at) \
             VALUES ({proposal}, 9001, 't', '{{}}', '0', {account}, 0)"
        ),
    )
    .await;
}

#[tokio::test]
async fn history_cannot_be_deleted_from_under_its_records() {
    let app = TestApp::spawn().await;
    let submitter = number(&app, "SELECT MIN(submitted_by) FROM idea").await;
    assert_refused_by_key(
        run(&app, &format!("DELETE FROM account WHERE id = {submitter}")).await,
        "deleting an account that submitted ideas",
    );
    let taken_up = number(&app, "SELECT MIN(idea_id) FROM proposal_idea").await;
    assert_refused_by_key(
        run(&app, &format!("DELETE FROM idea WHERE id = {taken_up}")).await,
        "deleting an idea a proposal took up",
    );
    assert_refused_by_key(
        run(&app, "DELETE FROM season").await,
        "deleting a season with ideas and proposals",
    );
    let street = app.street_id().await;
    assert_refused_by_key(
        run(&app, &format!("DELETE FROM street WHERE id = {street}")).await,
        "deleting a street with communities and an audit log",
    );

    // A round with a proposal on its line-up and a judge's sheet for it.
    let season = number(&app, "SELECT MIN(id) FROM season").await;
    let proposal = number(&app, "SELECT MIN(id) FROM proposal").await;
    let judge = number(&app, "SELECT MIN(id) FROM account").await;
    ok(
        &app,
        &format!(
            "INSERT INTO round (season_id, name, status, rules, seed, created_at) \
             VALUES ({season}, 'fk-test round', 'open', '', 'seed', 0)"
        ),
    )
    .await;
    let round = number(&app, "SELECT id FROM round WHERE name = 'fk-test round'").await;
    ok(
        &app,
        &format!(
            "INSERT INTO round_proposal (round_id, proposal_id, position) \
             VALUES ({round}, {proposal}, 1)"
        ),
    )
    .await;
    assert_refused_by_key(
        run(&app, &format!("DELETE FROM proposal WHERE id = {proposal}")).await,
        "deleting a proposal entered in a round",
    );
    ok(
        &app,
        &format!(
            "INSERT INTO sheet (round_id, proposal_id, account_id, scores, entered_by, created_at) \
             VALUES ({round}, {proposal}, {judge}, '[]', {judge}, 0)"
        ),
    )
    .await;
    assert_refused_by_key(
        run(&app, &format!("DELETE FROM round WHERE id = {round}")).await,
        "deleting a round holding a sheet",
    );
    assert_eq!(
        number(
            &app,
            &format!("SELECT COUNT(*) FROM round WHERE id = {round}")
        )
        .await,
        1
    );
    assert_eq!(
        number(
            &app,
            &format!("SELECT COUNT(*) FROM account WHERE id = {submitter}")
        )
        .await,
        1
    );
    assert_eq!(
        number(
            &app,
            &format!("SELECT COUNT(*) FROM idea WHERE id = {taken_up}")
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_parts_of_a_thing_go_with_it_and_optional_references_are_cleared() {
    let app = TestApp::spawn().await;

    // A proposal's versions, team, notes and idea links go with it; the ideas stay.
    let proposal = app.proposal_with_status("draft").await;
    let parts =
        |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE proposal_id = {proposal}");
    assert!(number(&app, &parts("proposal_version")).await > 0);
    assert!(number(&app, &parts("proposal_member")).await > 0);
    let ideas = number(&app, "SELECT COUNT(*) FROM idea").await;
    ok(&app, &format!("DELETE FROM proposal WHERE id = {proposal}")).await;
    for table in [
        "proposal_version",
        "proposal_member",
        "proposal_note",
        "proposal_idea",
    ] {
        assert_eq!(
            number(&app, &parts(table)).await,
            0,
            "{table} is left behind"
        );
    }
    assert_eq!(number(&app, "SELECT COUNT(*) FROM idea").await, ideas);

    // A round in set-up goes with its line-up and judges.
    let season = number(&app, "SELECT MIN(id) FROM season").await;
    let other = number(&app, "SELECT MIN(id) FROM proposal").await;
    let judge = number(&app, "SELECT MIN(id) FROM account").await;
    ok(
        &app,
        &format!(
            "INSERT INTO round (season_id, name, status, rules, seed, created_at) \
             VALUES ({season}, 'fk-test setup', 'setup', '', 'seed', 0)"
        ),
    )
    .await;
    let round = number(&app, "SELECT id FROM round WHERE name = 'fk-test setup'").await;
    ok(
        &app,
        &format!("INSERT INTO round_proposal (round_id, proposal_id) VALUES ({round}, {other})"),
    )
    .await;
    ok(
        &app,
        &format!(
            "INSERT INTO judge (round_id, account_id, group_key, created_at) \
             VALUES ({round}, {judge}, 'residents', 0)"
        ),
    )
    .await;
    ok(&app, &format!("DELETE FROM round WHERE id = {round}")).await;
    for table in ["round_proposal", "judge"] {
        assert_eq!(
            number(
                &app,
                &format!("SELECT COUNT(*) FROM {table} WHERE round_id = {round}")
            )
            .await,
            0,
            "{table} is left behind"
        );
    }

    // A person who never took part: their sessions, grants and notifications go with them.
    let street = app.street_id().await;
    ok(
        &app,
        &format!(
            "INSERT INTO community (street_id, name, created_at) VALUES ({street}, 'fk-test 社区', 0)"
        ),
    )
    .await;
    let community = number(&app, "SELECT id FROM community WHERE name = 'fk-test 社区'").await;
    ok(
        &app,
        &format!(
            "INSERT INTO account (display_name, community_id, created_at) \
             VALUES ('fk-test 居民', {community}, 0)"
        ),
    )
    .await;
    let person = number(
        &app,
        "SELECT id FROM account WHERE display_name = 'fk-test 居民'",
    )
    .await;
    ok(
        &app,
        &format!(
            "INSERT INTO session (id, account_id, created_at, expires_at) \
             VALUES ('fk-test-session', {person}, 0, 0)"
        ),
    )
    .await;
    ok(
        &app,
        &format!(
            "INSERT INTO role_grant (account_id, role, scope_id, created_at) \
             VALUES ({person}, 'resident', {community}, 0)"
        ),
    )
    .await;
    ok(
        &app,
        &format!(
            "INSERT INTO notification (account_id, kind, subject, link, created_at) \
             VALUES ({person}, 'test', 'fk-test', '/', 0)"
        ),
    )
    .await;

    // Where someone lives is cleared when the community goes; the person stays.
    ok(
        &app,
        &format!("DELETE FROM community WHERE id = {community}"),
    )
    .await;
    assert_eq!(
        number(
            &app,
            &format!("SELECT COUNT(*) FROM account WHERE id = {person} AND community_id IS NULL")
        )
        .await,
        1
    );

    ok(&app, &format!("DELETE FROM account WHERE id = {person}")).await;
    for table in ["session", "role_grant", "notification"] {
        assert_eq!(
            number(
                &app,
                &format!("SELECT COUNT(*) FROM {table} WHERE account_id = {person}")
            )
            .await,
            0,
            "{table} is left behind"
        );
    }
}
