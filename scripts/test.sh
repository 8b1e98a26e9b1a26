#!/usr/bin/env bash
# The test command: formatting, lints, every test on SQLite, the web crate's tests on
# PostgreSQL and MariaDB, and the browser journey in headless Chromium.
#
# On a fresh machine it installs what it needs first: Debian's chromium, chromium-driver and a
# CJK font (with apt-get, as root), starts the local PostgreSQL and MariaDB when they are not
# running, and fetches axe-core from the npm registry into a cache under the cargo target folder.
# It honours CARGO_TARGET_DIR. Exits non-zero on the first failure; the last line is a summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
started=$(date +%s)
target_dir=${CARGO_TARGET_DIR:-$root/target}
axe_version=4.14.1
log=$(mktemp)
current_step="setup"

elapsed() {
    local s=$(($(date +%s) - started))
    printf '%dm%02ds' $((s / 60)) $((s % 60))
}

on_exit() {
    local status=$?
    rm -f "$log"
    if [ "$status" -ne 0 ]; then
        echo
        echo "scripts/test.sh: FAILED in step \"$current_step\" after $(elapsed) (exit $status)"
    fi
}
trap on_exit EXIT

step() {
    current_step=$1
    printf '\n==> %s (%s)\n' "$1" "$(elapsed)"
}

# Runs a command whose output is only interesting when it fails.
quietly() {
    local out
    out=$(mktemp)
    if ! "$@" >"$out" 2>&1; then
        cat "$out" >&2
        rm -f "$out"
        echo "failed: $*" >&2
        return 1
    fi
    rm -f "$out"
}

# Runs cargo test, keeping its output for the summary.
cargo_test() {
    cargo test --no-fail-fast "$@" 2>&1 | tee -a "$log"
}

wait_for() {
    local what=$1
    shift
    for _ in $(seq 1 60); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 1
    done
    echo "$what did not start accepting connections within 60 s" >&2
    return 1
}

step "browser packages"
missing=()
# fonts-noto-cjk: the pages are in Chinese, and without a CJK font the screenshots show boxes.
for package in chromium chromium-driver fonts-noto-cjk; do
    if ! dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing ${missing[*]}: run as root, or install them with apt-get" >&2
        exit 1
    fi
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    quietly apt-get update -q
    quietly apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# (Debian's launcher script complains about /dev/shm on stderr; the version is what matters.)
chromium --version 2>/dev/null
chromedriver --version

step "databases"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "starting PostgreSQL"
    quietly pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1; then
    quietly psql -h 127.0.0.1 -U postgres -d postgres -c "create database test"
fi
if ! mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; then
    echo "starting MariaDB"
    quietly start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_for MariaDB mariadb-admin -h 127.0.0.1 -P 3306 -u root ping
mariadb -h 127.0.0.1 -P 3306 -u root -e "create database if not exists test"
echo "PostgreSQL and MariaDB accept connections"

step "axe-core"
axe_js="$target_dir/npm/node_modules/axe-core/axe.min.js"
installed=$(node -p "require('$target_dir/npm/node_modules/axe-core/package.json').version" 2>/dev/null || true)
if [ ! -f "$axe_js" ] || [ "$installed" != "$axe_version" ]; then
    mkdir -p "$target_dir/npm"
    quietly npm install --prefix "$target_dir/npm" --no-audit --no-fund --no-save "axe-core@$axe_version"
fi
echo "axe-core $axe_version at $axe_js"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

# Every cargo test below selects the whole workspace, though only the web crate's tests read
# CHUANGXIANG_TEST_DB and only the browser journey reads CHUANGXIANG_BROWSER: cargo unifies
# dependency features over the packages and targets selected, so `-p chuangxiang-web` or
# `--test browser` would build many dependencies a second time (minutes on two cores), while
# the other tests take seconds to run again.
journey=a_resident_and_a_street_admin_use_the_site_on_a_phone

step "tests on SQLite"
(
    unset CHUANGXIANG_BROWSER
    CHUANGXIANG_TEST_DB=sqlite cargo_test --workspace -- --skip "$journey"
)

step "web tests on PostgreSQL"
CHUANGXIANG_TEST_DB=postgres cargo_test --workspace -- --skip "$journey"

step "web tests on MariaDB"
CHUANGXIANG_TEST_DB=mysql cargo_test --workspace -- --skip "$journey"

step "browser journey"
CHUANGXIANG_BROWSER=1 CHUANGXIANG_AXE_JS="$axe_js" \
    cargo_test --workspace -- --exact "$journey" --nocapture

current_step="summary"
read -r passed failed ignored < <(
    grep -E '^test result: ' "$log" |
        sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/' |
        awk '{p += $1; f += $2; i += $3} END {print p + 0, f + 0, i + 0}'
)
echo
echo "scripts/test.sh: fmt, clippy, SQLite, PostgreSQL, MariaDB and browser steps green in $(elapsed); screenshots in target/screenshots"
echo "${passed} passed, ${failed} failed, ${ignored} skipped"
