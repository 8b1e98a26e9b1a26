//! The release-shaped server under a burst of logins, as the outside probe sent them: 200
//! parallel guesses on one number, then 200 on different numbers, all from one address. At most
//! the limit's worth of passwords is checked, nothing fails with a 500, a right password hidden
//! in the burst does not get in, someone at another address still logs in, and the server's
//! peak memory stays under 300 MB (it was 4.3 GB).

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "chuangxiang2017";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chuangxiang(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chuangxiang"));
    c.arg("--data-dir")
        .arg(data)
        .env_remove("DATABASE_URL")
        .env_remove("CHUANGXIANG_CONFIG")
        .env_remove("CHUANGXIANG_TRUSTED_PROXIES")
        .env_remove("CHUANGXIANG_PUBLIC_URL");
    c
}

/// Peak and current resident memory of a process, in kB.
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn client(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .local_address(from)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client")
}

async fn csrf(client: &reqwest::Client, base: &str) -> String {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("the login page")
        .text()
        .await
        .expect("its text");
    page.split_once(r#"name="csrf" value=""#)
        .and_then(|(_, rest)| rest.split('"').next())
        .expect("a form token")
        .to_owned()
}

async fn login(client: &reqwest::Client, base: &str, token: &str, phone: &str, pw: &str) -> u16 {
    client
        .post(format!("{base}/login"))
        .form(&[("csrf", token), ("phone", phone), ("password", pw)])
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[test]
fn a_burst_of_parallel_logins_is_limited_and_keeps_memory_flat() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = chuangxiang(dir.path())
        .arg("demo")
        .output()
        .expect("demo runs");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let child = chuangxiang(dir.path())
        .args(["--bind", &format!("127.0.0.1:{port}"), "serve", "--no-demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let server = Server(child);
    let pid = server.0.id();

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let started = Instant::now();
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server came up"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (idle, _) = memory_kb(pid);
        let attacker = client(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        let token = csrf(&attacker, &base).await;

        // 200 guesses at one number, the right password among them.
        let guesses = (0..200).map(|i| {
            let (attacker, base, token) = (&attacker, &base, &token);
            async move {
                let pw = if i == 120 {
                    PASSWORD.to_owned()
                } else {
                    format!("guess-{i:03}")
                };
                login(attacker, base, token, "13800000004", &pw).await
            }
        });
        let one_number = futures_util::future::join_all(guesses).await;
        let checked = one_number.iter().filter(|s| matches!(s, 401 | 303)).count();
        assert!(
            checked <= 5,
            "{checked} of one number's guesses were checked: {one_number:?}"
        );
        assert!(
            one_number.iter().all(|s| matches!(s, 401 | 303 | 429)),
            "{one_number:?}"
        );

        // 200 guesses at 200 numbers: the address's own limit, and the queue, hold.
        let spread = (0..200).map(|i| {
            let (attacker, base, token) = (&attacker, &base, &token);
            async move { login(attacker, base, token, &format!("139{i:08}"), "guess-000").await }
        });
        let many_numbers = futures_util::future::join_all(spread).await;
        let checked = many_numbers.iter().filter(|s| **s == 401).count();
        assert!(checked <= 100, "{checked} checked from one address");
        assert!(
            many_numbers.iter().all(|s| matches!(s, 401 | 429 | 503)),
            "only refusals, no errors: {many_numbers:?}"
        );

        // The number stays locked for the right password; a neighbour elsewhere logs in.
        assert_eq!(
            login(&attacker, &base, &token, "13800000004", PASSWORD).await,
            429
        );
        let neighbour = client(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
        let theirs = csrf(&neighbour, &base).await;
        assert_eq!(
            login(&neighbour, &base, &theirs, "13800000010", PASSWORD).await,
            303
        );

        let (peak, now) = memory_kb(pid);
        println!("server memory: idle {idle} kB, peak {peak} kB, after the burst {now} kB");
        assert!(peak > 0, "memory is readable from /proc");
        assert!(
            peak < 300 * 1024,
            "peak resident memory {peak} kB is over 300 MB"
        );
    });
    drop(server);
}
