//! The live round under load: VIEWERS projector screens hold the Server-Sent Events feed of a
//! round while 15 judges submit their sheets, proposal after proposal. For every submission and
//! every screen it measures the delay from the judge's request to the screen seeing the new
//! count, and it reads the server's memory from /proc.
//!
//! Run it through `bench/live.sh`, which builds the release binary and raises the limit on open
//! files. By hand:
//! `cargo run --release -p chuangxiang-web --example bench_live -- BINARY [VIEWERS] [PROPOSALS]`

use chuangxiang_domain::rounds::default_rules;
use chuangxiang_store::{demo, proposals, rounds, season, sessions};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// (screen, proposal on stage, judges who have submitted, when the screen saw it)
type Seen = Arc<Mutex<Vec<(usize, i64, u64, Instant)>>>;

fn rss(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// One projector screen: connects, then notes when it first sees each (proposal, count).
async fn viewer(screen: usize, addr: String, round: i64, seen: Seen) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(&addr).await?;
    stream
        .write_all(
            format!(
                "GET /rounds/{round}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
    let mut lines = BufReader::new(stream).lines();
    let mut last = (0i64, u64::MAX);
    while let Some(line) = lines.next_line().await? {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        let Ok(state) = serde_json::from_str::<serde_json::Value>(data) else {
            continue;
        };
        // Nothing on stage yet reads as proposal 0: the screen's first state, once connected.
        let p = &state["presenting"];
        let id = p["id"].as_i64().unwrap_or(0);
        let n = p["submitted"].as_u64().unwrap_or(0);
        if (id, n) != last {
            last = (id, n);
            seen.lock()
                .expect("seen")
                .push((screen, id, n, Instant::now()));
        }
    }
    Ok(())
}

/// The double-submit token the bench's requests carry in cookie and form alike.
const CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A judge's form post with a session made straight in the database.
async fn post(client: &reqwest::Client, url: &str, sid: &str, fields: &[(&str, String)]) -> u16 {
    let mut form: Vec<(&str, String)> = vec![("csrf", CSRF.to_owned())];
    form.extend(fields.iter().cloned());
    client
        .post(url)
        .header("Cookie", format!("cx_sid={sid}; cx_csrf={CSRF}"))
        .form(&form)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// The default rubric's criteria, as the score form names them.
const CRITERIA_FIELDS: [&str; 6] = [
    "c_goals",
    "c_methods",
    "c_steps",
    "c_plan",
    "c_guarantees",
    "c_presentation",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let binary = args
        .next()
        .ok_or("usage: bench_live BINARY [VIEWERS] [PROPOSALS]")?;
    let viewers: usize = args.next().map(|v| v.parse()).transpose()?.unwrap_or(2000);
    let presented: usize = args.next().map(|v| v.parse()).transpose()?.unwrap_or(3);

    // The database: the Wangjing demo and a round of its shortlisted proposals, 15 judges.
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/live.db", dir.path().display());
    let db = chuangxiang_store::connect(&url).await?;
    chuangxiang_store::migrate(&db).await?;
    demo::load_wangjing(&db).await?;
    let street = chuangxiang_store::org::first_street(&db)
        .await?
        .ok_or("street")?;
    let s = season::current(&db, street.id).await?.ok_or("season")?;
    let shortlisted: Vec<i64> = proposals::list(
        &db,
        &proposals::ListQuery {
            season_id: s.id,
            statuses: vec![chuangxiang_domain::proposals::Status::Shortlisted],
            ..Default::default()
        },
    )
    .await?
    .iter()
    .map(|p| p.id)
    .collect();
    let rules = default_rules("bench");
    let admin = chuangxiang_store::accounts::by_phone(
        &db,
        &chuangxiang_domain::account::Phone::parse("13800000001")?,
    )
    .await?
    .ok_or("the demo admin")?
    .id;
    let round = rounds::create(
        &db,
        rounds::NewRound {
            season_id: s.id,
            street_id: street.id,
            by: admin,
            name: "bench",
            rules: &rules,
            seed: "bench",
            proposal_ids: &shortlisted,
        },
    )
    .await?;
    let mut judges = Vec::new();
    for i in 0..15 {
        let group = if i < 12 { "public" } else { "expert" };
        let id = rounds::add_judge(
            &db,
            round,
            street.id,
            admin,
            rounds::NewJudge {
                account_id: None,
                new_name: Some(&format!("评委{i}")),
                group,
                public: false,
                token_hash: None,
            },
        )
        .await?;
        judges.push(sessions::start(&db, id).await?);
    }
    let admin_sid = sessions::start(&db, admin).await?;
    let order: Vec<i64> = chuangxiang_domain::rounds::draw(
        "bench",
        &shortlisted
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
    )
    .iter()
    .filter_map(|p| p.parse().ok())
    .collect();
    rounds::draw(&db, round, street.id, admin, &order).await?;
    rounds::open(&db, round, street.id, admin).await?;
    db.close().await?;

    // The server, as deployed: the release binary in its own process.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = std::process::Command::new(&binary)
        .args([
            "--database-url",
            &url,
            "--bind",
            &addr,
            "serve",
            "--no-demo",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let pid = server.id();
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_idle = rss(pid, "VmRSS:");

    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for screen in 0..viewers {
        tasks.push(tokio::spawn(viewer(
            screen,
            addr.clone(),
            round,
            Arc::clone(&seen),
        )));
    }
    // Every screen has its first state.
    let deadline = Instant::now() + Duration::from_secs(120);
    while seen.lock().expect("seen").len() < viewers && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connected = seen.lock().expect("seen").len().min(viewers);
    let connect_secs = started.elapsed().as_secs_f64();
    let rss_connected = rss(pid, "VmRSS:");

    // Proposal after proposal: the host calls it, the 15 judges submit about a second apart.
    let mut submitted: Vec<(i64, u64, Instant)> = Vec::new();
    let mut refused = 0;
    for (pi, proposal) in order.iter().take(presented).enumerate() {
        let status = post(
            &client,
            &format!("{base}/admin/rounds/{round}/present"),
            &admin_sid,
            &[("proposal", proposal.to_string())],
        )
        .await;
        if status != 303 {
            return Err(format!("calling proposal {proposal}: status {status}").into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        for (ji, sid) in judges.iter().enumerate() {
            let mut named_ref: Vec<(&str, String)> = vec![("proposal", proposal.to_string())];
            named_ref.extend(
                CRITERIA_FIELDS
                    .iter()
                    .map(|c| (*c, format!("{}", 5 + (ji + pi) % 10))),
            );
            let sent = Instant::now();
            let status = post(
                &client,
                &format!("{base}/rounds/{round}/sheets"),
                sid,
                &named_ref,
            )
            .await;
            if status == 303 {
                submitted.push((*proposal, u64::try_from(ji + 1).unwrap_or(0), sent));
            } else {
                refused += 1;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_end = rss(pid, "VmRSS:");
    let hwm = rss(pid, "VmHWM:");

    // Delay from each submission to each screen's first sight of that count (or a later one:
    // a screen that fell behind skips straight to the latest state).
    let seen = seen.lock().expect("seen").clone();
    let mut by_screen: std::collections::HashMap<(usize, i64), Vec<(u64, Instant)>> =
        std::collections::HashMap::new();
    for (screen, proposal, n, at) in &seen {
        by_screen
            .entry((*screen, *proposal))
            .or_default()
            .push((*n, *at));
    }
    let mut delays = Vec::new();
    let mut missing = 0usize;
    for (proposal, count, sent) in &submitted {
        for screen in 0..viewers {
            let first = by_screen
                .get(&(screen, *proposal))
                .and_then(|list| list.iter().find(|(n, at)| n >= count && at >= sent));
            match first {
                Some((_, at)) => delays.push(at.duration_since(*sent).as_secs_f64() * 1000.0),
                None => missing += 1,
            }
        }
    }
    delays.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    println!(
        "{connected} of {viewers} screens connected in {connect_secs:.1} s; {} sheets submitted ({refused} refused) over {presented} proposals",
        submitted.len()
    );
    println!(
        "delay from a judge's submission to a screen seeing it: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} deliveries ({missing} not seen)",
        percentile(&delays, 0.5),
        percentile(&delays, 0.99),
        delays.last().copied().unwrap_or(0.0),
        delays.len()
    );
    println!(
        "server RSS: {rss_idle:.1} MB idle, {rss_connected:.1} MB with {connected} screens, {rss_end:.1} MB at the end, peak {hwm:.1} MB"
    );
    server.kill()?;
    let _ = server.wait();
    for t in tasks {
        t.abort();
    }
    Ok(())
}
