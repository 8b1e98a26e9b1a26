//! The holes an outside probe found, tried again as an attacker would: stored markup on public
//! pages, a coordinator resetting staff passwords, parallel password guessing, redirects to
//! other sites after login, forged form tokens, control characters, and who may learn which
//! numbers are registered. Each test would pass the attack if its fix were taken away.

use crate::authorisation::submit_idea;
use crate::common::{Browser, COORDINATOR, PASSWORD, Page, RESIDENT, STREET_ADMIN, TestApp};
use crate::rounds::{add_named_judge, create_round, shortlisted_proposal};
use chuangxiang_web::security::Settings;

/// Closes a `<script>` element and opens one of its own.
const SCRIPT: &str = "</script><script>alert(1)</script>";
/// Runs where markup is written into a page unescaped.
const IMG: &str = "<img src=x onerror=alert(2)>";

/// The text of an HTML attribute value as a browser reads it.
fn unescape(attr: &str) -> String {
    let mut out = String::with_capacity(attr.len());
    let mut rest = attr;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            _ => entity
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `Set-Cookie` headers of a response.
fn set_cookies(page: &Page) -> Vec<String> {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_inert(page: &Page, what: &str) {
    page.assert_status(200);
    for raw in ["<script>alert(1)", "<img src=x onerror"] {
        assert!(
            !page.body.contains(raw),
            "{what} writes stored markup unescaped: {raw}"
        );
    }
    assert!(
        page.headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("script-src 'self'")),
        "{what} has no script policy"
    );
}

#[tokio::test]
async fn stored_markup_stays_text_on_every_page_that_shows_it_including_the_projector() {
    let app = TestApp::spawn().await;
    // A resident registers with markup for a name; another files an idea titled with it.
    let hostile = app.browser();
    hostile
        .post_form(
            "/register",
            &[
                ("phone", "13912345601"),
                ("name", IMG),
                ("password", "a-long-password"),
            ],
        )
        .await
        .assert_redirect("/me");
    let shengxing = app.community_id("圣星").await;
    let category = app.idea_categories().await[0];
    let author = app.logged_in("13800000010", PASSWORD).await;
    let idea = submit_idea(&author, SCRIPT, shengxing, category).await;
    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    coordinator
        .post_form(&format!("/ideas/{idea}/review"), &[("decision", "accept")])
        .await
        .assert_redirect(&format!("/ideas/{idea}?notice=reviewed"));

    // A shortlisted proposal with the same title goes on stage in a live round.
    let proposal = shortlisted_proposal(&app, shengxing, SCRIPT, 5_000, 1).await;
    let other = shortlisted_proposal(&app, shengxing, "楼道感应灯", 5_000, 2).await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let rules = chuangxiang_domain::rounds::default_rules("security-check");
    let round = create_round(&admin, "安全检查", &rules, &[proposal, other]).await;
    add_named_judge(&admin, round, "public", "大众评委", false).await;
    for (step, notice) in [("draw", "drawn"), ("open", "opened")] {
        admin
            .post_form(&format!("/admin/rounds/{round}/{step}"), &[])
            .await
            .assert_redirect(&format!("/admin/rounds/{round}?notice={notice}"));
    }
    admin
        .post_form(
            &format!("/admin/rounds/{round}/present"),
            &[("proposal", &proposal.to_string())],
        )
        .await
        .assert_redirect(&format!("/admin/rounds/{round}?notice=presenting"));

    // The projector is public: the live state travels in an attribute, escaped, and comes
    // back whole when read as the page's script reads it.
    let projector = app
        .browser()
        .get(&format!("/rounds/{round}/projector"))
        .await;
    assert_inert(&projector, "the projector");
    let initial = projector
        .body
        .split_once(r#"data-initial=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| unescape(value))
        .expect("the projector carries its initial state");
    let state: serde_json::Value = serde_json::from_str(&initial).expect("the state is JSON");
    assert_eq!(state["presenting"]["title"], SCRIPT);
    assert!(
        !projector.body.contains("<script>") || !projector.body.contains("</script><script>"),
        "no inline script element can be closed early"
    );
    assert!(
        projector
            .body
            .contains(r#"<script src="/static/projector.js" defer></script>"#)
    );
    let script = app.browser().get("/static/projector.js").await;
    script.assert_status(200);
    script.assert_contains("EventSource");

    let anyone = app.browser();
    for path in [
        "/ideas".to_owned(),
        format!("/ideas/{idea}"),
        format!("/ideas?q={}", "script"),
        "/proposals".to_owned(),
        format!("/proposals/{proposal}"),
        format!("/proposals/{proposal}/print"),
    ] {
        assert_inert(&anyone.get(&path).await, &path);
    }
    for path in [
        format!("/admin/rounds/{round}"),
        "/admin/audit".to_owned(),
        "/proposals".to_owned(),
    ] {
        assert_inert(&admin.get(&path).await, &path);
    }
    assert_inert(&author.get("/me").await, "the author's own page");
    assert_inert(
        &hostile.get("/me").await,
        "the page of the person named with markup",
    );
    let me = hostile.get("/me").await;
    me.assert_contains("&#60;img src=x onerror=alert(2)&#62;");
}

#[test]
fn no_template_writes_text_unescaped() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut stack = vec![dir];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("the templates folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a template");
            seen += 1;
            assert!(
                !text.contains("|safe") && !text.contains("| safe"),
                "{} writes a value unescaped",
                path.display()
            );
            // Scripts are files of their own: the pages' policy allows no inline script.
            let inline = text
                .match_indices("<script")
                .any(|(i, _)| !text[i..].starts_with("<script src="));
            assert!(!inline, "{} has an inline script", path.display());
        }
    }
    assert!(seen > 20, "the templates were found ({seen})");
}

#[tokio::test]
async fn every_response_carries_the_protective_headers() {
    let app = TestApp::spawn().await;
    for path in [
        "/",
        "/healthz",
        "/static/app.css",
        "/no-such-page",
        "/login",
    ] {
        let page = app.browser().get(path).await;
        let h = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_default()
        };
        assert!(
            h("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(
            h("content-security-policy").contains("script-src 'self'"),
            "{path}"
        );
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert!(
            h("strict-transport-security").is_empty(),
            "no https promise on plain http"
        );
    }
    // Cookies stay usable over plain http (a street's intranet), and are marked Secure once
    // the public address is https.
    let login = app.browser().get("/login").await;
    let cookies = set_cookies(&login);
    assert!(!cookies.is_empty());
    assert!(cookies.iter().all(|c| !c.contains("Secure")));

    let https = TestApp::spawn_with(Settings {
        public_url: Some("https://cx.example.gov.cn".into()),
        ..Settings::default()
    })
    .await;
    let login = https.browser().get("/login").await;
    let cookies = set_cookies(&login);
    assert!(!cookies.is_empty());
    assert!(
        cookies
            .iter()
            .all(|c| c.contains("; Secure") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
    assert!(
        login
            .headers
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().is_ok_and(|v| v.starts_with("max-age=")))
    );
}

#[tokio::test]
async fn a_coordinator_can_neither_see_nor_reset_staff_living_in_their_community() {
    let app = TestApp::spawn().await;
    let shengxing = app.community_id("圣星").await;
    // The street admin chooses 圣星 as the community they live in, as the probe did.
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    admin
        .post_form("/me/community", &[("community_id", &shengxing.to_string())])
        .await
        .assert_redirect("/me?saved=1");
    let admin_id = app.account_id(STREET_ADMIN).await;
    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    let list = coordinator
        .get(&format!("/community/{shengxing}/residents"))
        .await;
    list.assert_status(200);
    assert!(
        !list
            .body
            .contains(&format!("/residents/{admin_id}/password")),
        "staff are not listed as residents"
    );
    let reset = format!("/community/{shengxing}/residents/{admin_id}/password");
    coordinator.get(&reset).await.assert_status(403);
    coordinator
        .post_form(&reset, &[("consent", "本人来电"), ("consented", "yes")])
        .await
        .assert_status(403);
    // Not even a street admin resets staff from a community page.
    let other_admin_reset = format!(
        "/community/{shengxing}/residents/{}/password",
        app.account_id(COORDINATOR).await
    );
    admin
        .post_form(
            &other_admin_reset,
            &[("consent", "本人来电"), ("consented", "yes")],
        )
        .await
        .assert_status(403);
    assert!(app.audit_entries("account.password_reset").await.is_empty());
    app.logged_in(STREET_ADMIN, PASSWORD).await;

    // A plain resident of the community: only with their request recorded.
    let resident = app.logged_in("13800000010", PASSWORD).await;
    resident
        .post_form("/me/community", &[("community_id", &shengxing.to_string())])
        .await
        .assert_redirect("/me?saved=1");
    let resident_id = app.account_id("13800000010").await;
    let reset = format!("/community/{shengxing}/residents/{resident_id}/password");
    let list = coordinator
        .get(&format!("/community/{shengxing}/residents"))
        .await;
    list.assert_contains(&format!(r#"href="{reset}""#));
    let form = coordinator.get(&reset).await;
    form.assert_status(200);
    form.assert_contains("退出");
    let refused = coordinator.post_form(&reset, &[("consent", "")]).await;
    refused.assert_status(422);
    refused.assert_contains("如何核实");
    resident.get("/me").await.assert_status(200);
    let done = coordinator
        .post_form(
            &reset,
            &[
                ("consent", "本人到居委会，核对了身份证"),
                ("consented", "yes"),
            ],
        )
        .await;
    done.assert_status(200);
    done.assert_contains("只显示这一次");
    // Every session of the resident ended; the reason is in the audit log.
    resident.get("/me").await.assert_redirect("/login?next=");
    let entries = app.audit_entries("account.password_reset").await;
    assert_eq!(entries.len(), 1);
    let after = entries[0].after.as_deref().unwrap_or_default();
    assert!(after.contains("核对了身份证"), "{after}");
}

#[tokio::test]
async fn a_form_token_is_bound_to_the_session_and_changes_at_login() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    let before = visitor.csrf().await;
    visitor.login(STREET_ADMIN, PASSWORD).await;
    let after = visitor.csrf().await;
    assert_ne!(before, after, "logging in gives a new token");
    let before_names = app.community_names().await;
    // The token of the page seen before logging in no longer counts.
    visitor
        .post_form_exactly(
            "/admin/communities",
            &[("csrf", before.as_str()), ("name", "旧令牌社区")],
        )
        .await
        .assert_status(403);
    // A cookie and token planted together (from a sibling site) do not count either.
    let planted = "ab".repeat(32);
    visitor.set_cookie("cx_csrf", &planted);
    visitor
        .post_form_exactly(
            "/admin/communities",
            &[("csrf", planted.as_str()), ("name", "植入令牌社区")],
        )
        .await
        .assert_status(403);
    assert_eq!(app.community_names().await, before_names);
    // The page re-issues the session's own token; with it the form goes through.
    let page = visitor.get("/admin/communities").await;
    let token = crate::common::csrf_field(&page.body).expect("a form token");
    assert_eq!(token, after);
    visitor
        .post_form_exactly(
            "/admin/communities",
            &[("csrf", token.as_str()), ("name", "真社区")],
        )
        .await
        .assert_redirect("/admin/communities");
}

#[tokio::test]
async fn after_login_the_visitor_stays_on_this_site_whatever_next_says() {
    let app = TestApp::spawn().await;
    for next in [
        "/\t/evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
        "https://evil.example/",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
    ] {
        let visitor = app.browser();
        let form = visitor
            .get(&format!(
                "/login?next={}",
                chuangxiang_web::ctx::urlencode(next)
            ))
            .await;
        form.assert_status(200);
        form.assert_contains(r#"name="next" value="/me""#);
        let page = visitor
            .post_form(
                "/login",
                &[("phone", RESIDENT), ("password", PASSWORD), ("next", next)],
            )
            .await;
        // Line breaks are text a form may carry; as a target they send the visitor home.
        page.assert_redirect("/me");
        assert_eq!(page.location.as_deref(), Some("/me"), "{next:?}");
    }
    let visitor = app.browser();
    visitor
        .post_form(
            "/login",
            &[
                ("phone", RESIDENT),
                ("password", PASSWORD),
                ("next", "/ideas?q=垃圾分类"),
            ],
        )
        .await
        .assert_redirect("/ideas?q=%E5%9E%83%E5%9C%BE%E5%88%86%E7%B1%BB");
}

#[tokio::test]
async fn control_characters_are_refused_at_the_door_on_every_engine() {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    let before = app.community_names().await;
    for name in [
        "坏\u{0}社区",
        "坏\u{7}社区",
        "坏\u{1b}[31m社区",
        "坏\u{85}社区",
    ] {
        let page = app.post_form("/admin/communities", &[("name", name)]).await;
        page.assert_status(400);
        page.assert_contains("控制字符");
    }
    assert_eq!(app.community_names().await, before);
    let page = app.get("/ideas?q=%00").await;
    page.assert_status(400);
    // Line breaks and tabs are text people type.
    app.get("/ideas?q=%E5%9E%83%09").await.assert_status(200);
}

#[tokio::test]
async fn two_hundred_parallel_guesses_on_one_number_test_at_most_five_passwords() {
    let app = TestApp::spawn().await;
    let attacker = app.browser();
    attacker.csrf().await;
    let guesses = (0..200).map(|i| {
        let attacker = attacker.clone();
        async move {
            // The right password hidden among the wrong ones.
            let password = if i == 150 {
                PASSWORD.to_owned()
            } else {
                format!("wrong-{i:04}")
            };
            attacker
                .try_login(RESIDENT, &password)
                .await
                .status
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401 || **s == 303).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        checked <= 5,
        "{checked} passwords were checked: {statuses:?}"
    );
    assert_eq!(checked + limited, 200, "no errors: {statuses:?}");
    assert!(!statuses.contains(&500));
    // Once the number is locked, its right password is refused too.
    let late = app.browser().try_login(RESIDENT, PASSWORD).await;
    late.assert_status(429);
    // Another resident is not affected.
    app.browser().login("13800000012", PASSWORD).await;
}

/// A browser whose requests say they were forwarded for `address`.
fn forwarded_for(app: &TestApp, address: &str) -> Browser {
    Browser::with_header(&app.base, "x-forwarded-for", address)
}

#[tokio::test]
async fn an_address_may_learn_only_a_few_registered_numbers_and_proxies_are_believed_only_when_trusted()
 {
    let app = TestApp::spawn_with(Settings {
        trusted_proxies: vec!["127.0.0.1".parse().expect("an address")],
        ..Settings::default()
    })
    .await;
    let probe = |visitor: Browser, phone: String| async move {
        visitor
            .post_form(
                "/register",
                &[
                    ("phone", phone.as_str()),
                    ("name", "探测"),
                    ("password", "a-long-password"),
                ],
            )
            .await
    };
    let scanner = forwarded_for(&app, "203.0.113.7");
    for i in 0..10 {
        let page = probe(scanner.clone(), format!("138000000{}", 10 + i % 8)).await;
        page.assert_status(422);
        page.assert_contains("已经注册");
    }
    probe(scanner.clone(), "13800000010".into())
        .await
        .assert_status(429);
    // A new number from the same address is refused too: the answer would tell.
    probe(scanner.clone(), "13912345699".into())
        .await
        .assert_status(429);
    // Someone else behind the same proxy registers normally.
    probe(forwarded_for(&app, "203.0.113.8"), "13912345698".into())
        .await
        .assert_redirect("/me");

    // Without a trusted proxy the header is the client's own words and changes nothing.
    let plain = TestApp::spawn().await;
    for i in 0..10 {
        let spoofed =
            Browser::with_header(&plain.base, "x-forwarded-for", &format!("198.51.100.{i}"));
        probe(spoofed, format!("138000000{}", 10 + i % 8))
            .await
            .assert_status(422);
    }
    let spoofed = Browser::with_header(&plain.base, "x-forwarded-for", "198.51.100.99");
    probe(spoofed, "13800000011".into())
        .await
        .assert_status(429);
}
