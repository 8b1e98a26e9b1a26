//! What the browser journey stands on: the real `chuangxiang` server on a free port with a
//! fresh SQLite database, chromedriver driving headless Chromium, and the per-page checks
//! (axe-core and a full-page screenshot).

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::error::Error;
use std::fmt::Debug;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// The phone the pages are looked at on (CSS pixels).
const WIDTH: u32 = 390;
const HEIGHT: u32 = 844;

/// How long a page may take to show what a step waits for.
const WAIT: Duration = Duration::from_secs(15);

/// True if `text` has Chinese characters or full-width punctuation in it.
pub fn cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    })
}

fn free_port() -> TestResult<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process that is killed when the test is done with it, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `url` answers 200, or `child` exits, or `limit` passes.
async fn wait_until_up(url: &str, child: &mut Child, limit: Duration, log: &Path) -> TestResult {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(format!("{url}: the process exited with {status}\n{}", tail(log)).into());
        }
        if let Ok(r) = http.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if started.elapsed() > limit {
            return Err(format!("{url} did not answer within {limit:?}\n{}", tail(log)).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn log_file(path: &Path) -> TestResult<(Stdio, Stdio)> {
    let file = File::create(path)?;
    Ok((file.try_clone()?.into(), file.into()))
}

/// The real server, as `chuangxiang serve`, on an empty database it fills with the demo.
pub struct Server {
    pub base: String,
    log: PathBuf,
    _process: Killed,
    _dir: TempDir,
}

impl Server {
    pub async fn start() -> TestResult<Server> {
        let dir = tempfile::tempdir()?;
        let addr = format!("127.0.0.1:{}", free_port()?);
        let log = dir.path().join("server.log");
        let (out, err) = log_file(&log)?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_chuangxiang"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["--bind", &addr, "serve"])
            // Nothing from the developer's environment or working folder may pick another
            // database or address.
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("CHUANGXIANG_BIND")
            .env_remove("CHUANGXIANG_DATA_DIR")
            .env_remove("CHUANGXIANG_CONFIG")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()?;
        let base = format!("http://{addr}");
        wait_until_up(
            &format!("{base}/healthz"),
            &mut child,
            Duration::from_secs(60),
            &log,
        )
        .await?;
        Ok(Server {
            base,
            log,
            _process: Killed(child),
            _dir: dir,
        })
    }

    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }
}

/// Headless Chromium through chromedriver, with the per-page checks.
pub struct Browser {
    pub client: Client,
    pub base: String,
    shots: PathBuf,
    axe: String,
    problems: RefCell<Vec<String>>,
    /// Window height minus page height.
    frame: u32,
    _driver: Killed,
    _profile: TempDir,
}

impl Browser {
    pub async fn start(base: &str) -> TestResult<Browser> {
        let axe_path = std::env::var_os("CHUANGXIANG_AXE_JS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("target/npm/node_modules/axe-core/axe.min.js")
            });
        let axe = std::fs::read_to_string(&axe_path).map_err(|e| {
            format!(
                "cannot read axe-core at {} ({e}); scripts/test.sh fetches it",
                axe_path.display()
            )
        })?;
        let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        if shots.exists() {
            std::fs::remove_dir_all(&shots)?;
        }
        std::fs::create_dir_all(&shots)?;

        let profile = tempfile::tempdir()?;
        let port = free_port()?;
        let log = profile.path().join("chromedriver.log");
        let (out, err) = log_file(&log)?;
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| {
                format!("cannot start {driver_bin} ({e}); install Debian's chromium-driver")
            })?;
        let driver_url = format!("http://127.0.0.1:{port}");
        wait_until_up(
            &format!("{driver_url}/status"),
            &mut driver,
            Duration::from_secs(30),
            &log,
        )
        .await?;
        let driver = Killed(driver);

        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    // This machine has no network but the package registries: without these,
                    // Chromium keeps trying to reach Google's hosts.
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--force-device-scale-factor=1",
                    // Phones overlay their scroll bars; a classic one would narrow the page.
                    "--hide-scrollbars",
                    // A phone in China: the browser's own words (file and date inputs) in Chinese.
                    "--lang=zh-CN",
                    format!("--window-size={WIDTH},{HEIGHT}"),
                    format!("--user-data-dir={}", profile.path().join("chromium").display()),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            return Err("capabilities are a JSON object".into());
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .map_err(|e| format!("chromium did not start: {e}\n{}", tail(&log)))?;
        // Even headless, the window keeps room for a toolbar above the page: make the page
        // area itself the phone's size.
        let frame: f64 = client
            .execute(
                "return Math.max(0, window.outerHeight - window.innerHeight);",
                vec![],
            )
            .await?
            .as_f64()
            .unwrap_or(0.0);
        let frame = frame as u32;
        client.set_window_size(WIDTH, HEIGHT + frame).await?;
        Ok(Browser {
            frame,
            client,
            base: base.to_owned(),
            shots,
            axe,
            problems: RefCell::new(Vec::new()),
            _driver: driver,
            _profile: profile,
        })
    }

    /// Ends the browser session; chromedriver is stopped when the value is dropped.
    pub async fn close(self) {
        if let Err(e) = self.client.clone().close().await {
            eprintln!("closing the browser session failed: {e}");
        }
    }

    pub async fn go(&self, path: &str) -> TestResult {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    pub async fn wait_for(&self, css: &str) -> TestResult<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("waiting for {css}: {e}").into())
    }

    pub async fn click(&self, css: &str) -> TestResult {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    /// Presses a form's button; the next step waits for what the answer shows.
    pub async fn submit(&self, css: &str) -> TestResult {
        self.click(css).await
    }

    pub async fn fill(&self, css: &str, value: &str) -> TestResult {
        let field = self.wait_for(css).await?;
        field.clear().await?;
        field.send_keys(value).await?;
        Ok(())
    }

    pub async fn text(&self, css: &str) -> TestResult<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    pub async fn script<T: DeserializeOwned>(&self, js: &str) -> TestResult<T> {
        let value = self
            .client
            .execute(js, vec![])
            .await
            .map_err(|e| format!("{e}\nin the script: {js}"))?;
        Ok(serde_json::from_value(value)?)
    }

    pub async fn html_lang(&self) -> TestResult<String> {
        self.script("return document.documentElement.lang;").await
    }

    /// The page area's width and height in CSS pixels.
    pub async fn viewport(&self) -> TestResult<(f64, f64)> {
        self.script("return [window.innerWidth, window.innerHeight];")
            .await
    }

    /// True if the page is wider than the window, so a phone would scroll sideways.
    pub async fn scrolls_sideways(&self) -> TestResult<bool> {
        self.script(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth;",
        )
        .await
    }

    pub async fn expect_path(&self, path: &str) -> TestResult {
        let url = self.client.current_url().await?;
        self.expect_eq("path", url.path(), path)
    }

    pub fn expect(&self, ok: bool, message: String) -> TestResult {
        if ok { Ok(()) } else { Err(message.into()) }
    }

    pub fn expect_eq<G: PartialEq<W> + Debug, W: Debug>(
        &self,
        what: &str,
        got: G,
        want: W,
    ) -> TestResult {
        self.expect(got == want, format!("{what}: got {got:?}, want {want:?}"))
    }

    /// The checks every page gets: axe-core, then a full-page screenshot `name`.png.
    pub async fn check_page(&self, name: &str) -> TestResult {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("footer"))
            .await?;
        self.axe(name).await?;
        // The journey's stored titles would set `window.xss` if any page let them run.
        let ran: bool = self
            .script("return typeof window.xss !== 'undefined';")
            .await?;
        if ran {
            return Err(format!("{name}: a stored text ran as script").into());
        }
        let (page, window): (f64, f64) = self
            .script(
                "return [document.documentElement.scrollWidth,
                         document.documentElement.clientWidth];",
            )
            .await?;
        if page > window {
            println!("layout: {name} is {page}px wide on a {window}px phone: it scrolls sideways");
        }
        self.screenshot(name).await
    }

    async fn axe(&self, name: &str) -> TestResult {
        let loaded: bool = self
            .script("return typeof window.axe !== 'undefined';")
            .await?;
        if !loaded {
            self.client.execute(&self.axe, vec![]).await?;
        }
        let result = self
            .client
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations.map(v => ({
                        id: v.id,
                        impact: v.impact,
                        help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ')),
                    }))))
                    .catch(e => done({ error: String(e) }));
                "#,
                vec![],
            )
            .await?;
        if let Some(error) = result.get("error") {
            return Err(format!("axe-core failed on {name}: {error}").into());
        }
        let violations: Vec<Violation> = serde_json::from_value(result)?;
        let url = self.client.current_url().await?;
        for v in &violations {
            let line = format!(
                "{name} ({}): [{}] {}: {} at {}",
                url.path(),
                v.impact.as_deref().unwrap_or("?"),
                v.id,
                v.help,
                v.nodes.join(", ")
            );
            println!("axe: {line}");
            if matches!(v.impact.as_deref(), Some("serious" | "critical")) {
                self.problems.borrow_mut().push(line);
            }
        }
        if violations.is_empty() {
            println!("axe: {name} ({}): no violations", url.path());
        }
        Ok(())
    }

    /// Saves the whole page, not only the first screen: the window is made as tall as the
    /// page for the picture, then put back.
    async fn screenshot(&self, name: &str) -> TestResult {
        let height: f64 = self
            .script(
                "return Math.ceil(Math.max(document.documentElement.scrollHeight,
                                           document.body.scrollHeight));",
            )
            .await?;
        let tall = (height as u32).clamp(HEIGHT, 8000);
        if tall > HEIGHT {
            self.client
                .set_window_size(WIDTH, tall + self.frame)
                .await?;
        }
        let png = self.client.screenshot().await;
        if tall > HEIGHT {
            self.client
                .set_window_size(WIDTH, HEIGHT + self.frame)
                .await?;
        }
        std::fs::write(self.shots.join(format!("{name}.png")), png?)?;
        Ok(())
    }

    /// After a failed step: where the browser was, and a picture of it.
    pub async fn capture_failure(&self) {
        if let Ok(url) = self.client.current_url().await {
            eprintln!("the browser was at {url}");
        }
        if let Err(e) = self.screenshot("FAILED").await {
            eprintln!("no screenshot of the failure: {e}");
        }
    }

    /// Every serious or critical axe-core finding so far, one line each.
    pub fn axe_problems(&self) -> Vec<String> {
        self.problems.borrow().clone()
    }
}

#[derive(serde::Deserialize)]
struct Violation {
    id: String,
    impact: Option<String>,
    help: String,
    nodes: Vec<String>,
}
