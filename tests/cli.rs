//! The command line on a fresh data folder: migrate, demo, user create, backup.

use std::path::Path;
use std::process::{Command, Output};

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chuangxiang"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CHUANGXIANG_CONFIG")
        .env("CHUANGXIANG_PASSWORD", "a-long-enough-password")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn demo_loads_once_and_refuses_a_non_empty_database_without_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = run(dir.path(), &["demo"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("13800000001"),
        "demo accounts are printed"
    );
    assert!(dir.path().join("chuangxiang.db").exists());

    let again = run(dir.path(), &["demo"]);
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"), "{}", text(&again));

    let forced = run(dir.path(), &["demo", "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
}

#[test]
fn user_create_makes_a_scoped_account_and_refuses_bad_or_duplicate_numbers() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(run(dir.path(), &["demo"]).status.success());
    let ok = run(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "coordinator",
            "--phone",
            "139 0000 0001",
            "--scope",
            "2",
        ],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let twice = run(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "resident",
            "--phone",
            "13900000001",
        ],
    );
    assert!(!twice.status.success());
    assert!(text(&twice).contains("already registered"));
    let bad = run(
        dir.path(),
        &["user", "create", "--role", "resident", "--phone", "12345"],
    );
    assert!(!bad.status.success());
    let no_scope = run(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "coordinator",
            "--phone",
            "13900000002",
        ],
    );
    assert!(!no_scope.status.success());
    assert!(text(&no_scope).contains("--scope"));
    let unknown_role = run(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "mayor",
            "--phone",
            "13900000003",
        ],
    );
    assert!(!unknown_role.status.success());
    let missing_scope = run(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "coordinator",
            "--phone",
            "13900000004",
            "--scope",
            "99999",
        ],
    );
    assert!(
        !missing_scope.status.success(),
        "a community that does not exist is refused"
    );
}

#[test]
fn backup_writes_a_sqlite_copy_and_will_not_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(run(dir.path(), &["demo"]).status.success());
    let to = dir.path().join("backup.db");
    let to_arg = to.to_string_lossy().to_string();
    let first = run(dir.path(), &["backup", "--to", &to_arg]);
    assert!(first.status.success(), "{}", text(&first));
    let bytes = std::fs::read(&to).expect("backup exists");
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    // The copy is a working database: serve's migrate step opens it and finds the demo.
    let copy = run(
        dir.path(),
        &["--database-url", &format!("sqlite://{to_arg}"), "demo"],
    );
    assert!(!copy.status.success(), "the copy already holds the demo");
    let again = run(dir.path(), &["backup", "--to", &to_arg]);
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"));
}

#[test]
fn backup_refuses_a_missing_or_empty_source_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join("backup.db");
    let to_arg = to.to_string_lossy().to_string();
    // A mistyped data folder: nothing there to back up.
    let typo = dir.path().join("dta");
    let missing = run(&typo, &["backup", "--to", &to_arg]);
    assert!(!missing.status.success(), "{}", text(&missing));
    assert!(text(&missing).contains("no database"), "{}", text(&missing));
    assert!(
        !typo.join("chuangxiang.db").exists(),
        "no database was created"
    );
    assert!(!to.exists(), "no backup was written");
    // A database that exists but holds nothing (migrated, never loaded).
    let empty = dir.path().join("empty");
    assert!(run(&empty, &["migrate"]).status.success());
    let nothing = run(&empty, &["backup", "--to", &to_arg]);
    assert!(!nothing.status.success(), "{}", text(&nothing));
    assert!(
        text(&nothing).contains("holds no data"),
        "{}",
        text(&nothing)
    );
    assert!(!to.exists());
}

#[test]
fn help_is_in_english() {
    let out = Command::new(env!("CARGO_BIN_EXE_chuangxiang"))
        .arg("--help")
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["serve", "migrate", "demo", "user", "backup", "compute"] {
        assert!(help.contains(command), "{command} missing from --help");
    }
}
