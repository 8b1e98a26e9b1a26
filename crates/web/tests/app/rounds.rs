//! A whole final through the web, as the article's was: 24 shortlisted proposals, 12 public and
//! 3 expert judges scoring on their phones at the same time (HTTP clients here), a projector
//! listening to the live feed; then the result, its files recomputed by the engine the command
//! uses, the notice period with an objection, and confirmation into funded projects.

use crate::common::{Browser, PASSWORD, RESIDENT, STREET_ADMIN, TestApp};
use chuangxiang_domain::competition::{self, Sources};
use chuangxiang_domain::proposals::{BudgetLine, Content, Status};
use chuangxiang_store::{proposals, rounds, season};
use rust_decimal::Decimal;
use std::sync::{Arc, Mutex};

/// Makes the season's shortlisted proposals up to `n`, each with a one-line budget.
async fn shortlist_up_to(app: &TestApp, n: usize) -> Vec<i64> {
    let street = app.street_id().await;
    let s = season::current(&app.db, street)
        .await
        .expect("season")
        .expect("the demo season");
    let admin = app.account_id(STREET_ADMIN).await;
    let coach = app.account_id("13800000003").await;
    let communities = chuangxiang_store::org::communities(&app.db, street)
        .await
        .expect("communities");
    let category = app.idea_categories().await[0];
    let list = |st: Status| proposals::ListQuery {
        season_id: s.id,
        statuses: vec![st],
        ..Default::default()
    };
    let mut have = proposals::list(&app.db, &list(Status::Shortlisted))
        .await
        .expect("list")
        .len();
    let mut k = 0;
    while have < n {
        let owner = app.account_id(&format!("138000000{}", 10 + k % 8)).await;
        let content = Content {
            budget: vec![BudgetLine {
                item: "物料".into(),
                unit: "批".into(),
                quantity: Decimal::ONE,
                unit_price: Decimal::from(20_000 + 1_000 * (k as i64 % 7)),
            }],
            ..Content::default()
        };
        let id = proposals::create(
            &app.db,
            proposals::NewProposal {
                season_id: s.id,
                street_id: street,
                community_id: communities[k % communities.len()].id,
                category_id: category,
                owner_id: owner,
                title: &format!("决赛提案{k}"),
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
        have += 1;
        k += 1;
    }
    proposals::list(&app.db, &list(Status::Shortlisted))
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.id)
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
    let mut form: Vec<(&str, String)> =
        vec![("name", "2017年决赛".into()), ("rules", rules.clone())];
    form.extend(ids.iter().map(|i| ("proposal", i.to_string())));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = admin.post_form("/admin/rounds", &fields).await;
    created.assert_redirect("/admin/rounds/");
    let round: i64 = created
        .location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .expect("the round's address");
    let base = format!("/admin/rounds/{round}");

    // Judges: 11 public and 3 expert judges created on the spot, and one public judge with an
    // account, who lives in a community and is recused from its proposals automatically.
    for i in 1..=11 {
        admin
            .post_form(
                &format!("{base}/judges"),
                &[
                    ("group", "public"),
                    ("name", &format!("大众评委{i}")),
                    ("phone", ""),
                ],
            )
            .await
            .assert_redirect(&format!("{base}?notice=judge-added"));
    }
    for i in 1..=3 {
        admin
            .post_form(
                &format!("{base}/judges"),
                &[
                    ("group", "expert"),
                    ("name", &format!("专家评委{i}")),
                    ("phone", ""),
                ],
            )
            .await
            .assert_redirect(&format!("{base}?notice=judge-added"));
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
    let cards = admin.post_form(&format!("{base}/cards"), &[]).await;
    cards.assert_status(200);
    let tokens: Vec<String> = regex::Regex::new(r"/judge/([0-9a-f]{64})")
        .expect("pattern")
        .captures_iter(&cards.body)
        .map(|c| c[1].to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
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
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let end = today + chrono::Duration::days(7);
    admin
        .post_form(
            &format!("{base}/publish"),
            &[("starts", &today.to_string()), ("ends", &end.to_string())],
        )
        .await
        .assert_redirect(&format!("{base}?notice=published"));
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
    let file = |name: &'static str| {
        let anyone = &anyone;
        async move {
            let page = anyone.get(&format!("/rounds/{round}/files/{name}")).await;
            page.assert_status(200);
            page.body
        }
    };
    let (rules_toml, scores, props, recusals, results) = (
        file("rules.toml").await,
        file("scores.csv").await,
        file("proposals.csv").await,
        file("recusals.csv").await,
        file("results.csv").await,
    );
    assert!(
        !scores.contains("大众评委"),
        "judges are anonymous in the files"
    );
    assert!(scores.contains(",J15,"));
    let outcome = competition::decide(&Sources {
        rules: &rules_toml,
        scores: &scores,
        proposals: &props,
        recusals: Some(&recusals),
    })
    .expect("the files are valid");
    assert_eq!(outcome.to_results_csv(), results);
    assert_eq!(results.lines().count(), 25);
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
