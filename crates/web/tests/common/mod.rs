//! The test harness: the real application on a random port against a fresh database, and a
//! browser-like HTTP client that keeps cookies and fills in the CSRF field like a form would.
//!
//! The engine comes from `CHUANGXIANG_TEST_DB`: `sqlite` (the default), `postgres` or `mysql`.
//! Every test gets a database of its own holding the Wangjing demo:
//!
//! - SQLite: a file in a temporary folder, migrated and loaded for the test.
//! - PostgreSQL and MariaDB: `cx_test_<unix seconds>_<random>`, a copy of a template that the
//!   test process migrates and loads once (migrating MariaDB takes two seconds; copying it, a
//!   fraction), dropped when the test ends. Databases of that name more than fifteen minutes
//!   old are leftovers (the template, the last tests' databases whose drop the process exit
//!   cut short, killed runs) and are dropped by the next run.
//!
//! `CHUANGXIANG_TEST_POSTGRES_URL` and `CHUANGXIANG_TEST_MYSQL_URL` override the servers
//! (the URL of any database there that the tests may connect to in order to create others).

use chuangxiang_domain::account::Phone;
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_store::{Db, accounts, audit, ideas, org, season};
use chuangxiang_web::AppState;
use chuangxiang_web::security::Settings;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{StatusCode, Url};
use sea_orm::ConnectionTrait;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::task::JoinHandle;

/// The demo password of every Wangjing account.
pub const PASSWORD: &str = "chuangxiang2017";
pub const STREET_ADMIN: &str = "13800000001";
pub const COORDINATOR: &str = "13800000002";
pub const SOCIAL_WORKER: &str = "13800000003";
pub const RESIDENT: &str = "13800000004";

const POSTGRES_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const MYSQL_DEFAULT: &str = "mysql://root@127.0.0.1:3306/mysql";
/// Test databases older than this are leftovers: a test's database lives for seconds.
const LEFTOVER_AGE: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
    MySql,
}

impl Engine {
    pub fn from_env() -> Engine {
        match std::env::var("CHUANGXIANG_TEST_DB").as_deref() {
            Err(_) | Ok("") | Ok("sqlite") => Engine::Sqlite,
            Ok("postgres") | Ok("postgresql") => Engine::Postgres,
            Ok("mysql") | Ok("mariadb") => Engine::MySql,
            Ok(other) => panic!("CHUANGXIANG_TEST_DB={other}: expected sqlite, postgres or mysql"),
        }
    }

    /// The URL of a database on the server that the tests may connect to to create others.
    fn server_url(self) -> Option<String> {
        let (var, default) = match self {
            Engine::Sqlite => return None,
            Engine::Postgres => ("CHUANGXIANG_TEST_POSTGRES_URL", POSTGRES_DEFAULT),
            Engine::MySql => ("CHUANGXIANG_TEST_MYSQL_URL", MYSQL_DEFAULT),
        };
        Some(std::env::var(var).unwrap_or_else(|_| default.to_owned()))
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    format!("{prefix}/{name}{query}")
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// A name the leftover sweep recognises, with the time it was made.
fn new_database_name() -> String {
    format!("cx_test_{}_{:08x}", unix_seconds(), rand::random::<u32>())
}

async fn server_connection(url: &str) -> sea_orm::DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    sea_orm::Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test database server at {url}: {e}"))
}

async fn execute(server: &sea_orm::DatabaseConnection, sql: &str) {
    server
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn first_column(server: &sea_orm::DatabaseConnection, sql: &str) -> Vec<String> {
    server
        .query_all_raw(sea_orm::Statement::from_string(
            server.get_database_backend(),
            sql,
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect()
}

/// MySQL/MariaDB's `CREATE TABLE` text of `table` (qualified by its database).
async fn show_create_table(server: &sea_orm::DatabaseConnection, table: &str) -> String {
    let sql = format!("SHOW CREATE TABLE {table}");
    server
        .query_one_raw(sea_orm::Statement::from_string(
            server.get_database_backend(),
            sql.clone(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .and_then(|row| row.try_get_by_index::<String>(1).ok())
        .unwrap_or_else(|| panic!("{sql}: no definition"))
}

fn create_statement(engine: Engine, name: &str) -> String {
    match engine {
        Engine::MySql => {
            format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        }
        _ => format!("CREATE DATABASE \"{name}\""),
    }
}

fn drop_statement(engine: Engine, name: &str) -> String {
    match engine {
        // FORCE ends the connections the app's pool still holds.
        Engine::Postgres => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        _ => format!("DROP DATABASE IF EXISTS `{name}`"),
    }
}

/// Drops `cx_test_*` databases old enough to be leftovers.
async fn drop_leftovers(engine: Engine, server: &sea_orm::DatabaseConnection) {
    let list = match engine {
        Engine::Postgres => {
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'cx\\_test\\_%'"
        }
        _ => {
            "SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata WHERE schema_name LIKE 'cx\\_test\\_%'"
        }
    };
    let now = unix_seconds();
    for name in first_column(server, list).await {
        let made = name
            .strip_prefix("cx_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if made.is_some_and(|t| now.saturating_sub(t) > LEFTOVER_AGE.as_secs()) {
            let _ = server
                .execute_unprepared(&drop_statement(engine, &name))
                .await;
        }
    }
}

/// Runs `work` to completion on a thread with its own runtime, from inside a test's runtime
/// (which cannot be blocked on).
fn on_own_runtime<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for database set-up")
            .block_on(work)
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The migrated database holding the demo that every test's database is copied from.
#[derive(Clone)]
struct Template {
    name: String,
    /// Its tables, for engines that copy table by table.
    tables: Vec<String>,
}

/// Builds this process's template on first use; later callers wait for it and share it.
fn template(engine: Engine, server_url: &str) -> Template {
    static TEMPLATE: Mutex<Option<Template>> = Mutex::new(None);
    let mut built = TEMPLATE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = built.as_ref() {
        return t.clone();
    }
    let server_url = server_url.to_owned();
    let t = on_own_runtime(async move {
        let server = server_connection(&server_url).await;
        drop_leftovers(engine, &server).await;
        let name = new_database_name();
        execute(&server, &create_statement(engine, &name)).await;
        let db = chuangxiang_store::connect(&with_database(&server_url, &name))
            .await
            .expect("connect to the template database");
        chuangxiang_store::migrate(&db)
            .await
            .expect("migrations run on a fresh database");
        chuangxiang_store::demo::load_wangjing(&db)
            .await
            .expect("the Wangjing demo loads into an empty database");
        rewind_to_idea_collection(&db).await;
        // PostgreSQL copies a database only while nobody is connected to it.
        db.close().await.expect("close the template's connections");
        let tables = match engine {
            Engine::MySql => {
                first_column(
                    &server,
                    &format!(
                        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
                         WHERE table_schema = '{name}' AND table_type = 'BASE TABLE'"
                    ),
                )
                .await
            }
            _ => Vec::new(),
        };
        let _ = server.close().await;
        Template { name, tables }
    });
    *built = Some(t.clone());
    t
}

/// Creates database `name` as a copy of the template.
async fn copy_template(
    engine: Engine,
    server: &sea_orm::DatabaseConnection,
    template: &Template,
    name: &str,
) {
    match engine {
        Engine::Postgres => {
            let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{}\"", template.name);
            // Autovacuum may visit the template for a moment; copying waits for it to leave.
            for attempt in 0.. {
                match server.execute_unprepared(&sql).await {
                    Ok(_) => break,
                    Err(e) if attempt < 50 && e.to_string().contains("being accessed") => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("{sql}: {e}"),
                }
            }
        }
        _ => {
            execute(server, &create_statement(engine, name)).await;
            // `CREATE TABLE … LIKE` would leave the foreign keys behind: each table is made
            // from its own definition instead, with the keys' checks off (on this session,
            // the server connection's only one) while tables and rows arrive in any order.
            execute(server, "SET FOREIGN_KEY_CHECKS = 0").await;
            for table in &template.tables {
                let from = format!("`{}`.`{table}`", template.name);
                let to = format!("`{name}`.`{table}`");
                let definition = show_create_table(server, &from)
                    .await
                    .replacen(
                        &format!("CREATE TABLE `{table}`"),
                        &format!("CREATE TABLE {to}"),
                        1,
                    )
                    .replace("REFERENCES `", &format!("REFERENCES `{name}`.`"));
                execute(server, &definition).await;
                execute(server, &format!("INSERT INTO {to} SELECT * FROM {from}")).await;
            }
            execute(server, "SET FOREIGN_KEY_CHECKS = 1").await;
        }
    }
}

/// A database made for one test, removed when it is dropped.
struct FreshDatabase {
    url: String,
    engine: Engine,
    /// Whether the database is empty and still needs the migrations and the demo.
    empty: bool,
    /// The server to connect to for dropping this database, and its name.
    server: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl FreshDatabase {
    async fn create() -> FreshDatabase {
        let engine = Engine::from_env();
        let Some(server_url) = engine.server_url() else {
            let dir = tempfile::tempdir().expect("a temporary folder for the SQLite file");
            let url = format!("sqlite://{}", dir.path().join("chuangxiang.db").display());
            return FreshDatabase {
                url,
                engine,
                empty: true,
                server: None,
                _dir: Some(dir),
            };
        };
        let template = template(engine, &server_url);
        let name = new_database_name();
        let server = server_connection(&server_url).await;
        copy_template(engine, &server, &template, &name).await;
        let _ = server.close().await;
        FreshDatabase {
            url: with_database(&server_url, &name),
            engine,
            empty: false,
            server: Some((server_url, name)),
            _dir: None,
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let Some((server_url, name)) = self.server.take() else {
            return;
        };
        let engine = self.engine;
        // Dropping a database takes the server a checkpoint (up to two seconds while other
        // tests run), so it happens on a thread of its own while the next test starts. The
        // last test's drop may be cut short when the process exits; the next run drops it.
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let server = server_connection(&server_url).await;
                let _ = server
                    .execute_unprepared(&drop_statement(engine, &name))
                    .await;
                let _ = server.close().await;
            });
        });
    }
}

/// The application, serving on a random port of 127.0.0.1 from a fresh database holding the
/// Wangjing demo. Dereferences to a [`Browser`] for the common case of one visitor.
pub struct TestApp {
    pub base: String,
    /// The app's own database connection, for checking what was (not) written.
    pub db: Db,
    browser: Browser,
    servers: Vec<JoinHandle<()>>,
    database: FreshDatabase,
}

async fn start_server(db: Db, settings: Settings) -> (String, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port on 127.0.0.1");
    let addr = listener.local_addr().expect("the listener's address");
    let state = AppState::with_settings(db, settings);
    let handle = tokio::spawn(async move {
        let _ = chuangxiang_web::serve(listener, state).await;
    });
    (format!("http://{addr}"), handle)
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Settings::default()).await
    }

    /// The application with the operator's settings (trusted proxies, public address).
    pub async fn spawn_with(settings: Settings) -> TestApp {
        let database = FreshDatabase::create().await;
        let db = chuangxiang_store::connect(&database.url)
            .await
            .expect("connect to the fresh database");
        if database.empty {
            chuangxiang_store::migrate(&db)
                .await
                .expect("migrations run on a fresh database");
            chuangxiang_store::demo::load_wangjing(&db)
                .await
                .expect("the Wangjing demo loads into an empty database");
            rewind_to_idea_collection(&db).await;
        }
        let (base, handle) = start_server(db.clone(), settings).await;
        TestApp {
            browser: Browser::new(&base),
            base,
            db,
            servers: vec![handle],
            database,
        }
    }

    /// A second server process on the same database, with its own connection pool and
    /// state, as behind a load balancer. Returns its base URL.
    pub async fn another_instance(&mut self) -> String {
        let db = chuangxiang_store::connect(&self.database.url)
            .await
            .expect("a second connection to the same database");
        let (base, handle) = start_server(db, Settings::default()).await;
        self.servers.push(handle);
        base
    }

    /// Another visitor, with cookies of their own.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// Another visitor, logged in.
    pub async fn logged_in(&self, phone: &str, password: &str) -> Browser {
        let b = self.browser();
        b.login(phone, password).await;
        b
    }

    /// The street of the demo (望京街道).
    pub async fn street_id(&self) -> i64 {
        org::first_street(&self.db)
            .await
            .expect("read the streets")
            .expect("the demo has a street")
            .id
    }

    pub async fn community_names(&self) -> Vec<String> {
        let street = self.street_id().await;
        org::communities(&self.db, street)
            .await
            .expect("read the communities")
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    pub async fn community_id(&self, name: &str) -> i64 {
        let street = self.street_id().await;
        org::communities(&self.db, street)
            .await
            .expect("read the communities")
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no community called {name}"))
            .id
    }

    pub async fn organisation_id(&self, name: &str) -> i64 {
        let street = self.street_id().await;
        org::organisations(&self.db, street)
            .await
            .expect("read the organisations")
            .into_iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("no organisation called {name}"))
            .id
    }

    /// The photos of an idea.
    pub async fn photo_ids(&self, idea: i64) -> Vec<i64> {
        ideas::photo_ids(&self.db, idea)
            .await
            .expect("read the photos")
    }

    /// The ids of the current season's idea categories.
    pub async fn idea_categories(&self) -> Vec<i64> {
        let street = self.street_id().await;
        let season = season::current(&self.db, street)
            .await
            .expect("read the season")
            .expect("the demo has a season");
        ideas::categories(&self.db, season.id)
            .await
            .expect("read the categories")
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    pub async fn account(&self, phone: &str) -> Option<accounts::Account> {
        let phone = Phone::parse(phone).expect("a valid test phone number");
        accounts::by_phone(&self.db, &phone)
            .await
            .expect("read an account")
    }

    pub async fn account_id(&self, phone: &str) -> i64 {
        self.account(phone)
            .await
            .unwrap_or_else(|| panic!("no account for {phone}"))
            .id
    }

    /// A demo proposal of the current season with this status.
    pub async fn proposal_with_status(&self, status: &str) -> i64 {
        let season = chuangxiang_store::season::current(&self.db, self.street_id().await)
            .await
            .expect("read the season")
            .expect("the demo season");
        chuangxiang_store::proposals::list(
            &self.db,
            &chuangxiang_store::proposals::ListQuery {
                season_id: season.id,
                statuses: vec![
                    chuangxiang_domain::proposals::Status::from_key(status).expect("a status"),
                ],
                ..Default::default()
            },
        )
        .await
        .expect("list proposals")
        .first()
        .map(|p| p.id)
        .expect("the demo has a proposal with this status")
    }

    pub async fn account_count(&self) -> u64 {
        accounts::count(&self.db).await.expect("count the accounts")
    }

    /// The street's audit entries of one kind (`season.advanced`, …), newest first.
    pub async fn audit_entries(&self, action: &str) -> Vec<audit::Row> {
        let street = self.street_id().await;
        let filter = audit::Filter {
            action: Some(AuditAction::from_key(action).expect("a known audit action")),
            ..audit::Filter::default()
        };
        audit::list(&self.db, street, &filter, 0)
            .await
            .expect("read the audit log")
            .0
    }
}

impl std::ops::Deref for TestApp {
    type Target = Browser;
    fn deref(&self) -> &Browser {
        &self.browser
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

/// A response, read in full.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE);
        let headers = response.headers().clone();
        let body = response.text().await.expect("a readable response body");
        Page {
            status,
            location,
            content_type,
            headers,
            body,
        }
    }

    /// Asserts a 303 to `target` (a prefix is enough: `/login?next=` and the like).
    #[track_caller]
    pub fn assert_redirect(&self, target: &str) {
        assert_eq!(
            self.status,
            StatusCode::SEE_OTHER,
            "expected a redirect to {target}, got {}: {}",
            self.status,
            excerpt(&self.body)
        );
        let location = self.location.as_deref().unwrap_or("");
        assert!(
            location.starts_with(target),
            "expected a redirect to {target}, got one to {location}"
        );
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; page: {}",
            excerpt(&self.body)
        );
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "expected {text:?} on the page (status {}): {}",
            self.status,
            excerpt(&self.body)
        );
    }

    #[track_caller]
    pub fn assert_lacks(&self, text: &str) {
        assert!(
            !self.body.contains(text),
            "did not expect {text:?} on the page: {}",
            excerpt(&self.body)
        );
    }

    /// The messages of the page's error box (`<div class="errors" role="alert">`), as text.
    pub fn errors(&self) -> String {
        self.body
            .split_once(r#"<div class="errors" role="alert">"#)
            .and_then(|(_, rest)| rest.split_once("</div>"))
            .map(|(inside, _)| strip_tags(inside))
            .unwrap_or_default()
    }

    /// The `<main>` of the page as text: what the reader is told, without the header.
    pub fn main_text(&self) -> String {
        self.body
            .split_once("<main")
            .and_then(|(_, rest)| rest.split_once("</main>"))
            .map(|(inside, _)| strip_tags(inside))
            .unwrap_or_default()
    }
}

/// Text between tags, with runs of whitespace collapsed.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The main text of a page, short enough for an assertion message.
fn excerpt(body: &str) -> String {
    let main = body
        .split_once("<main")
        .and_then(|(_, rest)| rest.split_once("</main>"))
        .map(|(inside, _)| strip_tags(inside))
        .unwrap_or_else(|| body.to_owned());
    main.chars().take(600).collect()
}

/// The CSRF token of the first form on a page.
pub fn csrf_field(html: &str) -> Option<String> {
    let (_, rest) = html.split_once(r#"name="csrf" value=""#)?;
    rest.split('"').next().map(str::to_owned)
}

/// One visitor: a cookie jar, no redirects followed (so a test sees every 303), and forms
/// submitted with the CSRF token the site gave this visitor.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Self::build(base, reqwest::header::HeaderMap::new())
    }

    /// A visitor whose every request carries this header (as a proxy would add it).
    pub fn with_header(base: &str, name: &'static str, value: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(name, value.parse().expect("a header value the test chose"));
        Self::build(base, headers)
    }

    fn build(base: &str, headers: reqwest::header::HeaderMap) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        Browser {
            base: base.to_owned(),
            client,
            jar,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn site(&self) -> Url {
        Url::parse(&self.base).expect("the base URL parses")
    }

    /// The value of one of this visitor's cookies.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.site())?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// Gives this visitor a cookie, as if a server had set it.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &self.site());
    }

    /// The underlying client, for requests a browser would not make (oversized bodies).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        Page::read(response).await
    }

    /// The CSRF token for this visitor's forms: from the `cx_csrf` cookie, or else from the
    /// hidden field of a page (which also sets the cookie).
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.cookie("cx_csrf") {
            return token;
        }
        let page = self.get("/login").await;
        csrf_field(&page.body).expect("the login page has a csrf field")
    }

    /// Submits a form the way the page's own form would: with the CSRF field added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form_exactly(path, &all).await
    }

    /// Submits exactly these fields: no CSRF field unless the test gives one.
    pub async fn post_form_exactly(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        Page::read(response).await
    }

    /// Uploads a photo the way an idea's photo form does: multipart, CSRF in the query string.
    pub async fn upload_photo(&self, idea: i64, bytes: Vec<u8>) -> Page {
        let csrf = self.csrf().await;
        let response = self
            .client
            .post(self.url(&format!("/ideas/{idea}/photos?csrf={csrf}")))
            .multipart(photo_form(bytes))
            .send()
            .await
            .expect("a photo upload");
        Page::read(response).await
    }

    /// Uploads a file the way the import form does: multipart, with the CSRF token in the
    /// query string.
    pub async fn upload(&self, path: &str, kind: &str, file_name: &str, bytes: Vec<u8>) -> Page {
        let csrf = self.csrf().await;
        let form = upload_form(kind, file_name, bytes);
        let response = self
            .client
            .post(self.url(&format!("{path}?csrf={csrf}")))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload to {path}: {e}"));
        Page::read(response).await
    }

    /// Logs in, asserting it worked.
    pub async fn login(&self, phone: &str, password: &str) {
        self.try_login(phone, password).await.assert_redirect("/me");
        assert!(self.cookie("cx_sid").is_some(), "a session cookie is set");
    }

    pub async fn try_login(&self, phone: &str, password: &str) -> Page {
        self.post_form("/login", &[("phone", phone), ("password", password)])
            .await
    }
}

/// The multipart body of the import form.
pub fn upload_form(kind: &str, file_name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
    reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part("file", part)
}

/// The multipart body of an idea's photo form.
pub fn photo_form(bytes: Vec<u8>) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg".to_owned());
    reqwest::multipart::Form::new().part("photo", part)
}

/// A small PNG, as a phone might send a screenshot.
pub fn small_png() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(40, 30, image::Rgb([200, 60, 40]));
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("a PNG");
    out
}

/// A camera-sized JPEG full of noise, which compresses badly: its re-encoded copy is far over
/// the 64 KB a plain MySQL BLOB holds.
pub fn noisy_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut state: u32 = 2017;
    let image = image::RgbImage::from_fn(width, height, |_, _| {
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        };
        image::Rgb([next(), next(), next()])
    });
    let mut out = Vec::new();
    image
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 90,
        ))
        .expect("a JPEG");
    out
}

/// The demo season stands in proposal drafting (step 4); the suite starts one step earlier, in
/// idea collection, where most of its stories begin. Tests of proposals move it on.
async fn rewind_to_idea_collection(db: &chuangxiang_store::Db) {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE season SET current_step = 3")
        .await
        .expect("the demo season moves back to idea collection");
}
