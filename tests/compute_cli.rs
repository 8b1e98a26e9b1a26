//! The `compute competition` command, run as a person holding a round's published files would.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/competition")
}

fn compute(scores: &Path, proposals: &Path, out: Option<&Path>) -> std::process::Output {
    let f = fixtures();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chuangxiang"));
    cmd.args(["compute", "competition", "--rules"])
        .arg(f.join("rules.toml"))
        .arg("--scores")
        .arg(scores)
        .arg("--proposals")
        .arg(proposals)
        .arg("--recusals")
        .arg(f.join("recusals.csv"))
        .env("LANG", "zh_CN.UTF-8");
    if let Some(out) = out {
        cmd.arg("--out").arg(out);
    }
    cmd.output().expect("the binary runs")
}

#[test]
fn the_published_files_recompute_to_the_published_result_digit_for_digit() {
    let f = fixtures();
    let output = compute(&f.join("scores.csv"), &f.join("proposals.csv"), None);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = std::fs::read_to_string(f.join("results.csv")).expect("expected results");
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}

#[test]
fn a_tampered_file_is_refused_with_every_problem_and_nothing_written() {
    let f = fixtures();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("results.csv");
    let output = compute(
        &f.join("tampered/scores.csv"),
        &f.join("tampered/proposals.csv"),
        Some(&out),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(!out.exists(), "nothing is written on invalid input");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Problems in both files, each with its file and line.
    for needle in [
        "proposals.csv:10:",
        "proposals.csv:12:",
        "scores.csv:2:",
        "scores.csv:155:",
        "scores.csv:159:",
    ] {
        assert!(stderr.contains(needle), "missing {needle} in:\n{stderr}");
    }
    assert!(
        stderr.lines().count() >= 10,
        "every problem is listed:\n{stderr}"
    );
}

#[test]
fn a_missing_file_exits_with_status_one() {
    let f = fixtures();
    let output = compute(&f.join("no-such.csv"), &f.join("proposals.csv"), None);
    assert_eq!(output.status.code(), Some(1));
}
