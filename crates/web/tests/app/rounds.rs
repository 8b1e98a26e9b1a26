//! A whole final through the web, as the article's was: 24 shortlisted proposals, 12 public and
//! 3 expert judges scoring on their phones at the same time (HTTP clients here), a projector
//! listening to the live feed; then the result, its files recomputed by the engine the command
//! uses, the notice period with an objection, and confirmation into funded projects.

use crate::common::{Browser, PASSWORD, RESIDENT, STREET_ADMIN, TestApp};
use chuangxiang_domain::competition::{self, Outcome, Sources};
use chuangxiang_domain::proposals::{BudgetLine, Content, Status};
use chuangxiang_store::{proposals, rounds, season};
use rust_decimal::Decimal;
use std::sync::{Arc, Mutex};

/// A new proposal of `community`, signed off and shortlisted, with a one-line budget of
/// `cost` yuan and an owner among the demo residents chosen by `k`.
pub(crate) async fn shortlisted_proposal(
    app: &TestApp,
    community: i64,
    title: &str,
    cost: i64,
    k: usize,
) -> i64 {
    let street = app.street_id().await;
    let s = season::current(&app.db, street)
        .await
        .expect("season")
        .expect("the demo season");
    let admin = app.account_id(STREET_ADMIN).await;
    let coach = app.account_id("13800000003").await;
    let category = app.idea_categories().await[0];
    let owner = app.account_id(&format!("138000000{}", 10 + k % 8)).await;
    let content = Content {
        budget: vec![BudgetLine {
            item: "物料".into(),
            unit: "批".into(),
            quantity: Decimal::ONE,
            unit_price: Decimal::from(cost),
        }],
        ..Content::default()
    };
    let id = proposals::create(
        &app.db,
        proposals::NewProposal {
            season_id: s.id,
            street_id: street,
            community_id: community,
            category_id: category,
            owner_id: owner,
            title,
            content: &content,
            idea_ids: &[],
        },
    )
    .await
    .expect("a proposal");
    proposals::sign_off(&app.db, id, street, coach, 1)
        .await
        .expect("signed off");
    proposals::shortlist(&app.db, &[id], street, admin)
        .await
        .expect("shortlisted");
    id
}

/// Makes the season's shortlisted proposals up to `n`, each with a one-line budget.
async fn shortlist_up_to(app: &TestApp, n: usize) -> Vec<i64> {
    let street = app.street_id().await;
    let s = season::current(&app.db, street)
        .await
        .expect("season")
        .expect("the demo season");
    let communities = chuangxiang_store::org::communities(&app.db, street)
        .await
        .expect("communities");
    let list = || proposals::ListQuery {
        season_id: s.id,
        statuses: vec![Status::Shortlisted],
        ..Default::default()
    };
    let mut have = proposals::list(&app.db, &list()).await.expect("list").len();
    let mut k = 0;
    while have < n {
        let community = communities[k % communities.len()].id;
        let cost = 20_000 + 1_000 * (k as i64 % 7);
        shortlisted_proposal(app, community, &format!("决赛提案{k}"), cost, k).await;
        have += 1;
        k += 1;
    }
    proposals::list(&app.db, &list())
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.id)
        .collect()
}

/// Creates a round of these proposals through the admin's form; returns its id.
pub(crate) async fn create_round(admin: &Browser, name: &str, rules: &str, ids: &[i64]) -> i64 {
    let mut form: Vec<(&str, String)> = vec![("name", name.into()), ("rules", rules.into())];
    form.extend(ids.iter().map(|i| ("proposal", i.to_string())));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = admin.post_form("/admin/rounds", &fields).await;
    created.assert_redirect("/admin/rounds/");
    created
        .location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .expect("the round's address")
}

/// A short rubric for the smaller rounds: two criteria, one public and one expert judge make a
/// quorum, and a community wins at most once.
fn small_rules(seed: &str) -> String {
    format!(
        r#"step = 0.5

[[criteria]]
key = "goals"
max = 20

[[criteria]]
key = "presentation"
max = 15

[[groups]]
key = "public"
weight = 40
quorum = 1

[[groups]]
key = "expert"
weight = 60
quorum = 1

[selection]
max_winners = 10
budget = "1000000.00"
per_community_max = 1
tie_break = ["lot"]
seed = "{seed}"
"#
    )
}

/// Adds a judge created on the spot by name, who scores on paper or not.
pub(crate) async fn add_named_judge(
    admin: &Browser,
    round: i64,
    group: &str,
    name: &str,
    paper: bool,
) {
    let mut fields = vec![("group", group), ("name", name), ("phone", "")];
    if paper {
        fields.push(("paper", "1"));
    }
    admin
        .post_form(&format!("/admin/rounds/{round}/judges"), &fields)
        .await
        .assert_redirect(&format!("/admin/rounds/{round}?notice=judge-added"));
}

/// Prints the login cards; returns their one-time tokens in the order the judges were added.
async fn card_tokens(admin: &Browser, round: i64) -> Vec<String> {
    let cards = admin
        .post_form(&format!("/admin/rounds/{round}/cards"), &[])
        .await;
    cards.assert_status(200);
    let mut tokens: Vec<String> = Vec::new();
    for c in regex::Regex::new(r"/judge/([0-9a-f]{64})")
        .expect("pattern")
        .captures_iter(&cards.body)
    {
        if !tokens.iter().any(|t| *t == c[1]) {
            tokens.push(c[1].to_owned());
        }
    }
    tokens
}

/// Draws the running order, opens the round and calls every proposal on stage in turn, so that
/// each may be scored. Returns the running order.
async fn open_and_call_all(app: &TestApp, admin: &Browser, round: i64) -> Vec<i64> {
    let base = format!("/admin/rounds/{round}");
    admin
        .post_form(&format!("{base}/draw"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=drawn"));
    admin
        .post_form(&format!("{base}/open"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=opened"));
    let order: Vec<i64> = rounds::proposals(&app.db, round)
        .await
        .expect("order")
        .iter()
        .map(|p| p.proposal_id)
        .collect();
    for p in &order {
        admin
            .post_form(&format!("{base}/present"), &[("proposal", &p.to_string())])
            .await
            .assert_redirect(&format!("{base}?notice=presenting"));
    }
    order
}

/// The fields of a sheet of [`small_rules`] for `proposal`.
fn small_sheet(proposal: i64, goals: &str, presentation: &str) -> Vec<(String, String)> {
    vec![
        ("proposal".into(), proposal.to_string()),
        ("c_goals".into(), goals.into()),
        ("c_presentation".into(), presentation.into()),
    ]
}

/// Staff type in a paper sheet (with a reason when one is given); returns the page it leads to.
async fn type_paper_sheet(
    admin: &Browser,
    round: i64,
    judge: i64,
    sheet: &[(String, String)],
    reason: Option<&str>,
) -> crate::common::Page {
    let judge = judge.to_string();
    let mut fields: Vec<(&str, &str)> = vec![("judge", &judge)];
    fields.extend(sheet.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(reason) = reason {
        fields.push(("reason", reason));
    }
    admin
        .post_form(&format!("/admin/rounds/{round}/paper"), &fields)
        .await
}

/// Publishes a closed round for a week's notice period starting today (Beijing time).
async fn publish_from_today(admin: &Browser, round: i64) {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let end = today + chrono::Duration::days(7);
    admin
        .post_form(
            &format!("/admin/rounds/{round}/publish"),
            &[("starts", &today.to_string()), ("ends", &end.to_string())],
        )
        .await
        .assert_redirect(&format!("/admin/rounds/{round}?notice=published"));
}

/// A round's five published files, as anyone downloads them.
struct RoundFiles {
    rules: String,
    scores: String,
    proposals: String,
    recusals: String,
    results: String,
}

async fn round_files(visitor: &Browser, round: i64) -> RoundFiles {
    let file = |name: &'static str| async move {
        let page = visitor.get(&format!("/rounds/{round}/files/{name}")).await;
        page.assert_status(200);
        page.body
    };
    RoundFiles {
        rules: file("rules.toml").await,
        scores: file("scores.csv").await,
        proposals: file("proposals.csv").await,
        recusals: file("recusals.csv").await,
        results: file("results.csv").await,
    }
}

/// Recomputes a round from its files as `chuangxiang compute competition` does, and checks the
/// result is the published results.csv, digit for digit.
fn recompute(files: &RoundFiles) -> Outcome {
    let outcome = competition::decide(&Sources {
        rules: &files.rules,
        scores: &files.scores,
        proposals: &files.proposals,
        recusals: Some(&files.recusals),
    })
    .expect("the files are valid");
    assert_eq!(outcome.to_results_csv(), files.results);
    outcome
}

/// A CSV file's rows as (header, value) maps.
fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.expect("a row").iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Reads a live feed in the background, keeping every state it is sent.
fn listen(app: &TestApp, round: i64) -> Arc<Mutex<Vec<serde_json::Value>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = app.browser().url(&format!("/rounds/{round}/events"));
    let keep = Arc::clone(&seen);
    tokio::spawn(async move {
        let Ok(mut response) = reqwest::get(&url).await else {
            return;
        };
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let event: String = buffer.drain(..end + 2).collect();
                for line in event.lines() {
                    if let Some(data) = line.strip_prefix("data:")
                        && let Ok(v) = serde_json::from_str(data.trim())
                    {
                        keep.lock().expect("the feed's list").push(v);
                    }
                }
            }
        }
    });
    seen
}

/// A score on the rubric's half-point steps, different for every judge and proposal.
fn score(judge: usize, proposal: usize, criterion: usize, max: u32) -> String {
    let halves = (judge * 7 + proposal * 13 + criterion * 5) % (max as usize * 2 + 1);
    Decimal::new(i64::try_from(halves).unwrap_or(0) * 5, 1)
        .normalize()
        .to_string()
}

const CRITERIA: [(&str, u32); 6] = [
    ("goals", 20),
    ("methods", 20),
    ("steps", 15),
    ("plan", 15),
    ("guarantees", 15),
    ("presentation", 15),
];

#[tokio::test]
async fn a_final_of_24_proposals_and_15_judges_is_scored_live_and_recomputes_to_the_same_digits() {
    let app = TestApp::spawn().await;
    let ids = shortlist_up_to(&app, 24).await;
    assert_eq!(ids.len(), 24);
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;

    // Set-up: the default rubric, all 24 proposals.
    let setup = admin.get("/admin/rounds").await;
    setup.assert_contains("key = &#34;presentation&#34;");
    let rules = chuangxiang_domain::rounds::default_rules("wangjing-2017-final");
    let round = create_round(&admin, "2017年决赛", &rules, &ids).await;
    let base = format!("/admin/rounds/{round}");

    // Judges: 11 public and 3 expert judges created on the spot, and one public judge with an
    // account, who lives in a community and is recused from its proposals automatically.
    for i in 1..=11 {
        add_named_judge(&admin, round, "public", &format!("大众评委{i}"), false).await;
    }
    for i in 1..=3 {
        add_named_judge(&admin, round, "expert", &format!("专家评委{i}"), false).await;
    }
    admin
        .post_form(
            &format!("{base}/judges"),
            &[("group", "public"), ("phone", "13800000010"), ("name", "")],
        )
        .await
        .assert_redirect(&format!("{base}?notice=judge-added"));
    admin
        .post_form(
            &format!("{base}/judges"),
            &[("group", "public"), ("phone", "13800000010"), ("name", "")],
        )
        .await
        .assert_redirect(&format!("{base}?notice=err-round-already-judge"));
    admin
        .post_form(
            &format!("{base}/judges"),
            &[("group", "nobody"), ("name", "x")],
        )
        .await
        .assert_redirect(&format!("{base}?notice=err-round-unknown-group"));
    let wang = app.account_id("13800000010").await;
    let home = app
        .account("13800000010")
        .await
        .and_then(|a| a.community_id);
    let auto = rounds::recusals(&app.db, round).await.expect("recusals");
    // She is recused where she lives and where she is on the team.
    let in_home: Vec<i64> = {
        let mut v = Vec::new();
        for id in &ids {
            let p = proposals::get(&app.db, *id).await.expect("p");
            let on_team = proposals::team(&app.db, *id)
                .await
                .expect("team")
                .iter()
                .any(|m| m.account_id == wang && m.status != "invited");
            if Some(p.community_id) == home || on_team {
                v.push(*id);
            }
        }
        v
    };
    assert!(
        !in_home.is_empty(),
        "a proposal of 王阿姨's community is in the final"
    );
    assert_eq!(
        auto.iter().filter(|r| r.account_id == wang).count(),
        in_home.len(),
        "recused from every proposal of her community"
    );

    // Login cards: one-time QR links for the 14 judges without a phone.
    let tokens = card_tokens(&admin, round).await;
    assert_eq!(tokens.len(), 14);
    let mut judges: Vec<Browser> = Vec::new();
    for token in &tokens {
        let phone = app.browser();
        phone
            .get(&format!("/judge/{token}"))
            .await
            .assert_redirect(&format!("/rounds/{round}/judge"));
        judges.push(phone);
    }
    // A card works once.
    app.browser()
        .get(&format!("/judge/{}", tokens[0]))
        .await
        .assert_status(404);
    let wang_phone = app.logged_in("13800000010", PASSWORD).await;
    // A judge with an account finds the round on their own page.
    wang_phone
        .get("/me")
        .await
        .assert_contains(&format!(r#"href="/rounds/{round}/judge""#));
    judges.push(wang_phone);

    // Opening needs the draw; the draw is the lot of the published seed.
    admin
        .post_form(&format!("{base}/open"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=err-round-not-drawn"));
    admin
        .post_form(&format!("{base}/draw"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=drawn"));
    let order: Vec<i64> = rounds::proposals(&app.db, round)
        .await
        .expect("order")
        .iter()
        .map(|p| p.proposal_id)
        .collect();
    let expected: Vec<i64> = chuangxiang_domain::rounds::draw(
        "wangjing-2017-final",
        &ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
    )
    .iter()
    .map(|p| p.parse().expect("an id"))
    .collect();
    assert_eq!(order, expected);
    admin
        .post_form(&format!("{base}/open"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=opened"));
    let feed = listen(&app, round);

    // Before a proposal is on stage, nobody can score it.
    let early: Vec<(String, String)> =
        std::iter::once(("proposal".to_owned(), order[0].to_string()))
            .chain(
                CRITERIA
                    .iter()
                    .map(|(k, _)| (format!("c_{k}"), "10".to_owned())),
            )
            .collect();
    let early_fields: Vec<(&str, &str)> = early
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    judges[0]
        .post_form(&format!("/rounds/{round}/sheets"), &early_fields)
        .await
        .assert_redirect(&format!(
            "/rounds/{round}/judge?notice=err-round-not-presented"
        ));

    admin
        .post_form(
            &format!("{base}/present"),
            &[("proposal", &order[0].to_string())],
        )
        .await
        .assert_redirect(&format!("{base}?notice=presenting"));
    for (pi, proposal) in order.iter().enumerate() {
        let sheets: Vec<Vec<(String, String)>> = (0..judges.len())
            .map(|ji| {
                std::iter::once(("proposal".to_owned(), proposal.to_string()))
                    .chain(
                        CRITERIA
                            .iter()
                            .enumerate()
                            .map(|(ci, (k, max))| (format!("c_{k}"), score(ji, pi, ci, *max))),
                    )
                    .collect()
            })
            .collect();
        // Every judge at once, as in the hall.
        let submissions = judges.iter().zip(&sheets).map(|(phone, sheet)| {
            let fields: Vec<(&str, &str)> = sheet
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let path = format!("/rounds/{round}/sheets");
            async move { phone.post_form(&path, &fields).await }
        });
        // The host calls the next proposal while the sheets of this one are still coming in:
        // they count all the same.
        let next = order.get(pi + 1).map(|p| p.to_string());
        let call_next = async {
            if let Some(next) = &next {
                admin
                    .post_form(&format!("{base}/present"), &[("proposal", next)])
                    .await
                    .assert_redirect(&format!("{base}?notice=presenting"));
            }
        };
        let (pages, ()) = tokio::join!(futures_util::future::join_all(submissions), call_next);
        for (ji, page) in pages.iter().enumerate() {
            let recused = ji == judges.len() - 1 && in_home.contains(proposal);
            let notice = if recused {
                "err-round-recused"
            } else {
                "sheet-saved"
            };
            page.assert_redirect(&format!("/rounds/{round}/judge?notice={notice}"));
        }
    }
    // A sheet once submitted is locked, even when sent twice at once. 王阿姨 (the last phone)
    // shows it on a proposal she is not recused from.
    let wang_phone = judges.last().expect("her phone");
    let wang_index = judges.len() - 1;
    let (pi0, target) = order
        .iter()
        .enumerate()
        .find(|(_, p)| !in_home.contains(p))
        .map(|(i, p)| (i, *p))
        .expect("a proposal she scores");
    let sheet_with = |value: Option<(&str, &str)>| -> Vec<(String, String)> {
        std::iter::once(("proposal".to_owned(), target.to_string()))
            .chain(CRITERIA.iter().enumerate().filter_map(|(ci, (k, max))| {
                let name = format!("c_{k}");
                match value {
                    Some((key, v)) if key == name => (!v.is_empty()).then(|| (name, v.to_owned())),
                    _ => Some((name, score(wang_index, pi0, ci, *max))),
                }
            }))
            .collect()
    };
    let again = sheet_with(None);
    let again_fields: Vec<(&str, &str)> = again
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sheets_path = format!("/rounds/{round}/sheets");
    let (a, b) = tokio::join!(
        wang_phone.post_form(&sheets_path, &again_fields),
        wang_phone.post_form(&sheets_path, &again_fields),
    );
    for page in [a, b] {
        page.assert_redirect(&format!(
            "/rounds/{round}/judge?notice=err-round-already-submitted"
        ));
    }
    // The host reopens it with a reason; off-step, out-of-range and half-filled sheets are
    // then refused, and the same scores go in again.
    admin
        .post_form(
            &format!("{base}/reopen"),
            &[
                ("judge", &wang.to_string()),
                ("proposal", &target.to_string()),
                ("reason", "评委误触提交"),
            ],
        )
        .await
        .assert_redirect(&format!("{base}?notice=reopened"));
    admin
        .post_form(
            &format!("{base}/reopen"),
            &[
                ("judge", &wang.to_string()),
                ("proposal", &target.to_string()),
                ("reason", " "),
            ],
        )
        .await
        .assert_redirect(&format!("{base}?notice=err-round-reason"));
    for bad in [
        ("c_goals", "20.5"),
        ("c_goals", "10.25"),
        ("c_goals", "-1"),
        ("c_plan", ""),
    ] {
        let sheet = sheet_with(Some(bad));
        let fields: Vec<(&str, &str)> = sheet
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        wang_phone
            .post_form(&sheets_path, &fields)
            .await
            .assert_redirect(&format!("/rounds/{round}/judge?notice=err-round-bad-score"));
    }
    wang_phone
        .post_form(&sheets_path, &again_fields)
        .await
        .assert_redirect(&format!("/rounds/{round}/judge?notice=sheet-saved"));
    let fields = again_fields.clone();

    // The projector heard every change: on-stage counts rose and final scores appeared.
    let state: serde_json::Value = serde_json::from_str(
        &app.browser()
            .get(&format!("/rounds/{round}/state"))
            .await
            .body,
    )
    .expect("the state is JSON");
    assert_eq!(state["standings"].as_array().map(Vec::len), Some(24));
    // The feed catches up within moments (it is given up to ten seconds on a busy machine).
    for _ in 0..100 {
        let caught_up = feed
            .lock()
            .expect("the feed")
            .last()
            .is_some_and(|last| last["standings"] == state["standings"]);
        if caught_up {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    {
        let seen = feed.lock().expect("the feed");
        assert!(seen.len() > 24, "the feed sent {} states", seen.len());
        let last = seen.last().expect("a state");
        assert_eq!(last["standings"], state["standings"]);
        // The stage followed the running order, never back, to the last proposal (a screen that
        // falls behind skips to the latest state, so a proposal on stage only for an instant
        // may not be seen), and a count only ever rose while its proposal was there.
        let positions: Vec<usize> = seen
            .iter()
            .filter_map(|s| s["presenting"]["id"].as_i64())
            .filter_map(|id| order.iter().position(|p| *p == id))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{positions:?}");
        assert_eq!(positions.last(), Some(&23));
        assert!(
            positions
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                >= 2
        );
        for pair in seen.windows(2) {
            let (a, b) = (&pair[0]["presenting"], &pair[1]["presenting"]);
            if a["id"] == b["id"] && a["id"] != order[0] && a["id"] != target {
                assert!(
                    b["submitted"].as_u64() >= a["submitted"].as_u64(),
                    "{a} then {b}"
                );
            }
        }
        assert_eq!(last["presenting"]["complete"], true);
        assert!(last["presenting"]["final"].is_string());
    }
    // The result is not public before publication.
    admin
        .post_form(&format!("{base}/close"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=closed"));
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    resident
        .get(&format!("/rounds/{round}/results"))
        .await
        .assert_status(403);
    judges[2]
        .post_form(&format!("/rounds/{round}/sheets"), &fields)
        .await
        .assert_redirect(&format!("/rounds/{round}/judge?notice=err-round-not-open"));
    let page = admin.get(&format!("/rounds/{round}/results")).await;
    page.assert_status(200);
    page.assert_contains("评委1");
    page.assert_contains("去掉");

    // Published: anyone reads it and recomputes it from the files to the same digits.
    publish_from_today(&admin, round).await;
    let anyone = app.browser();
    anyone
        .get(&format!("/rounds/{round}/results"))
        .await
        .assert_status(200);
    // Residents find it from the public projects page.
    anyone
        .get("/projects")
        .await
        .assert_contains(&format!(r#"href="/rounds/{round}/results""#));
    let files = round_files(&anyone, round).await;
    assert!(
        !files.scores.contains("大众评委"),
        "judges are anonymous in the files"
    );
    assert!(files.scores.contains(",J15,"));
    // Every sheet came from a phone, and the file says so.
    assert!(
        csv_rows(&files.scores)
            .iter()
            .all(|r| r["source"] == "phone")
    );
    let outcome = recompute(&files);
    assert_eq!(files.results.lines().count(), 25);
    let winners = outcome.winners().count();
    assert!(winners > 0 && winners <= 10, "{winners} winners");

    // The notice period: an objection, a public answer; confirmation waits for its end.
    resident
        .post_form(
            &format!("/rounds/{round}/objections"),
            &[("body", "请说明第3名的预算是否核实")],
        )
        .await
        .assert_redirect(&format!(
            "/rounds/{round}/results?notice=objection-filed#objections"
        ));
    let objection = rounds::objections(&app.db, round)
        .await
        .expect("objections")[0]
        .id;
    admin
        .post_form(
            &format!("{base}/objections/{objection}"),
            &[("answer", "预算已由街道财务逐项核实。")],
        )
        .await
        .assert_redirect(&format!("{base}?notice=answered"));
    anyone
        .get(&format!("/rounds/{round}/results"))
        .await
        .assert_contains("预算已由街道财务逐项核实。");
    admin
        .post_form(&format!("{base}/confirm"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=err-round-notice-not-over"));
    {
        use sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared(&format!(
                "UPDATE round SET notice_starts = '2017-08-01', notice_ends = '2017-08-10' WHERE id = {round}"
            ))
            .await
            .expect("the notice period moves into the past");
    }
    admin
        .post_form(&format!("{base}/confirm"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=confirmed"));
    let s = season::current(&app.db, app.street_id().await)
        .await
        .expect("season")
        .expect("season");
    let funded = rounds::projects(&app.db, s.id).await.expect("projects");
    assert_eq!(funded.len(), winners);
    let announcement = anyone.get("/projects").await;
    for p in &funded {
        announcement.assert_contains(&p.title);
    }
    for action in [
        "round.created",
        "round.drawn",
        "round.opened",
        "round.sheet_reopened",
        "round.closed",
        "round.published",
        "round.objection_filed",
        "round.objection_answered",
        "round.confirmed",
    ] {
        assert_eq!(app.audit_entries(action).await.len(), 1, "{action}");
    }
}

#[tokio::test]
async fn staff_type_paper_sheets_freely_for_paper_judges_and_for_phone_judges_only_with_a_reason() {
    let app = TestApp::spawn().await;
    let ids = shortlist_up_to(&app, 2).await;
    let (a, b) = (ids[0], ids[1]);
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let round = create_round(&admin, "纸质评分", &small_rules("paper"), &[a, b]).await;
    let base = format!("/admin/rounds/{round}");

    // The judge on a phone is added first, so the paper form's order is its own choice.
    add_named_judge(&admin, round, "expert", "手机评委", false).await;
    add_named_judge(&admin, round, "public", "纸上评委", true).await;
    let judges = rounds::judges(&app.db, round).await.expect("judges");
    let (phone_judge, paper_judge) = (&judges[0], &judges[1]);
    assert!(!phone_judge.paper && paper_judge.paper);
    let tokens = card_tokens(&admin, round).await;
    let phone = app.browser();
    phone
        .get(&format!("/judge/{}", tokens[0]))
        .await
        .assert_redirect(&format!("/rounds/{round}/judge"));
    open_and_call_all(&app, &admin, round).await;

    // The paper form offers the paper judge first, and a reason for the others.
    let page = admin.get(&base).await;
    let form = page
        .body
        .split(r#"id="paper-judge""#)
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .expect("the paper form's judges");
    let at = |name: &str| form.find(name).expect("offered");
    assert!(at("纸上评委") < at("手机评委"), "{form}");
    page.assert_contains(r#"name="reason""#);

    // A phone judge's sheet is not typed in without a reason.
    let sheet_a = small_sheet(a, "18", "12.5");
    type_paper_sheet(&admin, round, phone_judge.account_id, &sheet_a, None)
        .await
        .assert_redirect(&format!("{base}?notice=err-round-phone-judge-needs-reason"));
    type_paper_sheet(&admin, round, phone_judge.account_id, &sheet_a, Some("  "))
        .await
        .assert_redirect(&format!("{base}?notice=err-round-phone-judge-needs-reason"));
    assert!(
        rounds::sheets(&app.db, round)
            .await
            .expect("sheets")
            .is_empty()
    );

    // The judge scores on the phone; a paper sheet, even with a reason, never replaces it.
    let fields = small_sheet(a, "17", "11");
    let phone_fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    phone
        .post_form(&format!("/rounds/{round}/sheets"), &phone_fields)
        .await
        .assert_redirect(&format!("/rounds/{round}/judge?notice=sheet-saved"));
    type_paper_sheet(
        &admin,
        round,
        phone_judge.account_id,
        &sheet_a,
        Some("评委说手机上填错了"),
    )
    .await
    .assert_redirect(&format!("{base}?notice=err-round-already-submitted"));
    let stored = rounds::sheets(&app.db, round).await.expect("sheets");
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].paper && stored[0].scores.contains("17"));

    // The paper judge's sheets go in without a reason; the phone judge's second one with one.
    type_paper_sheet(&admin, round, paper_judge.account_id, &sheet_a, None)
        .await
        .assert_redirect(&format!("{base}?notice=paper-saved"));
    type_paper_sheet(
        &admin,
        round,
        paper_judge.account_id,
        &small_sheet(b, "12", "9"),
        None,
    )
    .await
    .assert_redirect(&format!("{base}?notice=paper-saved"));
    type_paper_sheet(
        &admin,
        round,
        phone_judge.account_id,
        &small_sheet(b, "14", "10.5"),
        Some("评委手机没电"),
    )
    .await
    .assert_redirect(&format!("{base}?notice=paper-saved"));
    let for_phone = app.audit_entries("round.paper_sheet_for_phone_judge").await;
    assert_eq!(for_phone.len(), 1);
    let detail = for_phone[0].after.clone().unwrap_or_default();
    for part in [
        format!("judge:{}", phone_judge.account_id),
        format!("proposal:{b}"),
        "评委手机没电".to_owned(),
    ] {
        assert!(detail.contains(&part), "{detail} lacks {part}");
    }
    assert_eq!(app.audit_entries("round.paper_sheet").await.len(), 2);

    // The published files say which sheets were typed from paper, and still recompute.
    admin
        .post_form(&format!("{base}/close"), &[])
        .await
        .assert_redirect(&format!("{base}?notice=closed"));
    publish_from_today(&admin, round).await;
    let anyone = app.browser();
    let files = round_files(&anyone, round).await;
    let rows = csv_rows(&files.scores);
    assert_eq!(rows.len(), 8, "two judges, two proposals, two criteria");
    for r in &rows {
        // J01 is the phone judge, added first; only their sheet for `a` came from the phone.
        let expected = if r["judge"] == "J01" && r["proposal"] == a.to_string() {
            "phone"
        } else {
            "paper"
        };
        assert_eq!(r["source"], expected, "{r:?}");
    }
    recompute(&files);
    anyone
        .get(&format!("/rounds/{round}/results"))
        .await
        .assert_contains("共 4 张评分表，其中 3 张是纸质评分表");
}

#[tokio::test]
async fn a_community_named_like_a_formula_is_text_in_the_round_files_and_capped_as_one_community() {
    let app = TestApp::spawn().await;
    let street = app.street_id().await;
    let communities = chuangxiang_store::org::communities(&app.db, street)
        .await
        .expect("communities");
    let (east, west) = (communities[0].id, communities[1].id);
    let east_1 = shortlisted_proposal(&app, east, "东一号", 20_000, 0).await;
    let east_2 = shortlisted_proposal(&app, east, "东二号", 20_000, 1).await;
    let west_1 = shortlisted_proposal(&app, west, "西一号", 20_000, 2).await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;

    // Two names a spreadsheet would run as formulas, one of them already escaped by hand:
    // guarded, they must still be two communities.
    let formula = r#"=HYPERLINK("http://x","y")"#;
    let escaped = format!("'{formula}");
    for (id, name) in [(east, formula), (west, escaped.as_str())] {
        admin
            .post_form(
                &format!("/admin/communities/{id}/rename"),
                &[("name", name)],
            )
            .await
            .assert_redirect("/admin/communities");
    }

    let round = create_round(
        &admin,
        "公式社区",
        &small_rules("formula"),
        &[east_1, east_2, west_1],
    )
    .await;
    add_named_judge(&admin, round, "public", "纸上大众评委", true).await;
    add_named_judge(&admin, round, "expert", "纸上专家评委", true).await;
    let judges = rounds::judges(&app.db, round).await.expect("judges");
    open_and_call_all(&app, &admin, round).await;
    // East's two rank first and second; the cap lets only one of them win.
    for (proposal, goals, presentation) in [
        (east_1, "19", "14"),
        (east_2, "17", "13"),
        (west_1, "10", "8"),
    ] {
        for j in &judges {
            type_paper_sheet(
                &admin,
                round,
                j.account_id,
                &small_sheet(proposal, goals, presentation),
                None,
            )
            .await
            .assert_redirect(&format!("/admin/rounds/{round}?notice=paper-saved"));
        }
    }
    admin
        .post_form(&format!("/admin/rounds/{round}/close"), &[])
        .await
        .assert_redirect(&format!("/admin/rounds/{round}?notice=closed"));
    publish_from_today(&admin, round).await;

    let files = round_files(&app.browser(), round).await;
    let community_of = |p: i64| {
        csv_rows(&files.proposals)
            .into_iter()
            .find(|r| r["proposal"] == p.to_string())
            .map(|r| r["community"].clone())
            .expect("the proposal's row")
    };
    assert_eq!(community_of(east_1), format!("'{formula}"));
    assert_eq!(community_of(east_2), format!("'{formula}"));
    assert_eq!(community_of(west_1), format!("''{formula}"));
    assert!(
        csv_rows(&files.proposals)
            .iter()
            .all(|r| r["community"].starts_with('\'')),
        "every cell here starts with an apostrophe"
    );

    let outcome = recompute(&files);
    let result = |p: i64| {
        outcome
            .proposals
            .iter()
            .find(|r| r.proposal == p.to_string())
            .expect("in the result")
    };
    assert!(result(east_1).selected);
    assert!(!result(east_2).selected);
    assert_eq!(
        result(east_2).reason,
        Some(competition::Reason::CommunityCap)
    );
    assert!(result(west_1).selected, "the other community is not capped");
    // The page shows the communities' own names, as typed.
    let page = app.browser().get(&format!("/rounds/{round}/results")).await;
    page.assert_contains("所在社区的入选数已达上限");
    page.assert_contains("<td>=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)</td>");
    page.assert_contains("<td>&#39;=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)</td>");
}

/// A round of one proposal, scored on paper, closed and published from today.
async fn published_round(app: &TestApp, admin: &Browser, name: &str) -> i64 {
    let ids = shortlist_up_to(app, 1).await;
    let round = create_round(admin, name, &small_rules(name), &ids[..1]).await;
    add_named_judge(admin, round, "public", "纸上大众评委", true).await;
    add_named_judge(admin, round, "expert", "纸上专家评委", true).await;
    open_and_call_all(app, admin, round).await;
    for j in rounds::judges(&app.db, round).await.expect("judges") {
        type_paper_sheet(
            admin,
            round,
            j.account_id,
            &small_sheet(ids[0], "15", "10"),
            None,
        )
        .await
        .assert_redirect(&format!("/admin/rounds/{round}?notice=paper-saved"));
    }
    admin
        .post_form(&format!("/admin/rounds/{round}/close"), &[])
        .await
        .assert_redirect(&format!("/admin/rounds/{round}?notice=closed"));
    publish_from_today(admin, round).await;
    round
}

#[tokio::test]
async fn a_resident_files_at_most_three_objections_to_a_round_even_thirty_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let round = published_round(&app, &admin, "异议上限").await;
    let path = format!("/rounds/{round}/objections");
    let answer = |notice: &str| format!("/rounds/{round}/results?notice={notice}#objections");

    // Thirty different objections posted at once by one resident: three are filed.
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    resident.csrf().await;
    let bodies: Vec<String> = (1..=30)
        .map(|i| format!("第{i}条异议：请核实评分"))
        .collect();
    let pages = futures_util::future::join_all(bodies.iter().map(|b| {
        let (resident, path) = (&resident, &path);
        async move { resident.post_form(path, &[("body", b.as_str())]).await }
    }))
    .await;
    let filed = pages
        .iter()
        .filter(|p| p.location.as_deref() == Some(answer("objection-filed").as_str()))
        .count();
    for p in &pages {
        let to = p.location.clone().unwrap_or_default();
        assert!(
            to == answer("objection-filed") || to == answer("err-round-too-many-objections"),
            "{to}"
        );
    }
    assert_eq!(filed, 3);
    let me = app.account_id(RESIDENT).await;
    let mine = rounds::objections_by(&app.db, round, me)
        .await
        .expect("objections");
    assert_eq!(mine.len(), 3);
    // The page says why in the reader's language.
    resident
        .get(&answer("err-round-too-many-objections"))
        .await
        .assert_contains("已达每人上限");

    // A neighbour still objects, once for the same words.
    let neighbour = app.logged_in("13800000011", PASSWORD).await;
    let body = [("body", "预算是否核实？")];
    neighbour
        .post_form(&path, &body)
        .await
        .assert_redirect(&answer("objection-filed"));
    neighbour
        .post_form(&path, &body)
        .await
        .assert_redirect(&answer("err-round-repeated-objection"));
    let theirs = rounds::objections_by(&app.db, round, app.account_id("13800000011").await)
        .await
        .expect("objections");
    assert_eq!(theirs.len(), 1);
    assert_eq!(
        rounds::objections(&app.db, round)
            .await
            .expect("objections")
            .len(),
        4
    );
}
