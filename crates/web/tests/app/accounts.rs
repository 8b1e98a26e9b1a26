//! Registering, logging in and out, and a resident's own page.

use crate::common::{PASSWORD, RESIDENT, TestApp};

#[tokio::test]
async fn a_new_resident_registers_logs_in_sets_their_community_and_sees_their_own_page() {
    let app = TestApp::spawn().await;
    app.get("/register").await.assert_status(200);
    app.post_form(
        "/register",
        &[
            ("phone", "139 1234 5678"),
            ("name", "李阿姨"),
            ("password", "wangjing-2017"),
        ],
    )
    .await
    .assert_redirect("/me");
    let me = app.get("/me").await;
    me.assert_status(200);
    me.assert_contains("您好，李阿姨");
    me.assert_contains("您还没有选择所在社区。");

    // A fresh visit: the new account logs in with the number as typed differently.
    let visitor = app.browser();
    visitor.login("+86 13912345678", "wangjing-2017").await;
    let shengxing = app.community_id("圣星").await;
    visitor
        .post_form("/me/community", &[("community_id", &shengxing.to_string())])
        .await
        .assert_redirect("/me?saved=1");
    let me = visitor.get("/me?saved=1").await;
    me.assert_contains("已保存。");
    me.assert_contains(r#"<p class="lead">圣星</p>"#);
    let account = app.account("13912345678").await.expect("registered");
    assert_eq!(account.community_id, Some(shengxing));
    assert_eq!(account.display_name, "李阿姨");
    assert!(
        app.audit_entries("account.community_set")
            .await
            .iter()
            .any(|e| e.subject == format!("account:{}", account.id)),
        "setting the community is audited under the community's street"
    );
}

#[tokio::test]
async fn a_resident_cannot_choose_a_community_that_does_not_exist() {
    let app = TestApp::spawn().await;
    app.login(RESIDENT, PASSWORD).await;
    let before = app
        .account(RESIDENT)
        .await
        .expect("demo resident")
        .community_id;
    for bad in ["999999", "abc", "", "-1"] {
        let page = app
            .post_form("/me/community", &[("community_id", bad)])
            .await;
        page.assert_status(404);
        page.assert_contains("页面不存在");
    }
    let after = app
        .account(RESIDENT)
        .await
        .expect("demo resident")
        .community_id;
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_registered_or_malformed_number_is_refused_in_chinese_and_in_english() {
    let app = TestApp::spawn().await;
    let count = app.account_count().await;
    let register = |phone: &'static str| {
        let app = &app;
        async move {
            app.post_form(
                "/register",
                &[
                    ("phone", phone),
                    ("name", "重复的人"),
                    ("password", "long-enough"),
                ],
            )
            .await
        }
    };
    let taken = register("138-0000-0004").await;
    taken.assert_status(422);
    assert_eq!(taken.errors(), "这个手机号已经注册过了。");
    let malformed = register("12345").await;
    malformed.assert_status(422);
    assert_eq!(
        malformed.errors(),
        "手机号格式不对，应为 11 位数字，以 13–19 开头。"
    );
    register("1280000000x")
        .await
        .assert_contains("手机号格式不对");

    app.get("/lang/en?next=/register")
        .await
        .assert_redirect("/register");
    let taken = register("13800000004").await;
    taken.assert_status(422);
    assert_eq!(taken.errors(), "This mobile number is already registered.");
    let malformed = register("12345").await;
    assert_eq!(
        malformed.errors(),
        "That is not a mainland mobile number: 11 digits starting with 13 to 19."
    );
    assert_eq!(app.account_count().await, count, "nothing was registered");
}

#[tokio::test]
async fn a_short_password_and_an_empty_name_are_all_reported_at_once() {
    let app = TestApp::spawn().await;
    let page = app
        .post_form(
            "/register",
            &[("phone", ""), ("name", "  "), ("password", "short")],
        )
        .await;
    page.assert_status(422);
    let errors = page.errors();
    for message in ["请填写手机号。", "请填写称呼。", "密码至少需要 8 个字符。"]
    {
        assert!(errors.contains(message), "{message} missing from {errors}");
    }
}

#[tokio::test]
async fn a_wrong_password_gets_the_same_answer_as_an_unknown_number() {
    let app = TestApp::spawn().await;
    let wrong_password = app.try_login(RESIDENT, "not-the-password").await;
    let unknown_number = app.try_login("13999999999", "not-the-password").await;
    let malformed = app.try_login("123", "not-the-password").await;
    for page in [&wrong_password, &unknown_number, &malformed] {
        page.assert_status(401);
        assert_eq!(page.errors(), "手机号或密码不正确。");
        assert!(page.location.is_none());
    }
    assert!(app.cookie("cx_sid").is_none(), "no session was started");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_number_for_a_while_but_not_other_numbers() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.try_login(RESIDENT, "guess-guess")
            .await
            .assert_status(401);
    }
    let locked = app.try_login(RESIDENT, "guess-guess").await;
    locked.assert_status(429);
    assert_eq!(locked.errors(), "尝试次数过多，请 15 分钟后再试。");
    // Even the right password waits: otherwise the lock would tell a guesser they were right.
    app.try_login(RESIDENT, PASSWORD).await.assert_status(429);
    // The same number typed another way is the same number.
    app.try_login("+86 138 0000 0004", PASSWORD)
        .await
        .assert_status(429);
    app.browser()
        .login(crate::common::COORDINATOR, PASSWORD)
        .await;
    let metrics = app.get("/metrics").await;
    metrics.assert_contains("chuangxiang_logins_failed_total 5\n");
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    app.login(RESIDENT, PASSWORD).await;
    let token = app.cookie("cx_sid").expect("logged in");
    app.get("/me").await.assert_status(200);
    app.post_form("/logout", &[]).await.assert_redirect("/");
    assert!(app.cookie("cx_sid").is_none(), "the cookie is cleared");
    app.get("/me").await.assert_redirect("/login?next=/me");

    // Someone who kept a copy of the cookie gets nothing from it either.
    let thief = app.browser();
    thief.set_cookie("cx_sid", &token);
    thief.get("/me").await.assert_redirect("/login?next=/me");
}

#[tokio::test]
async fn after_logging_in_a_person_returns_to_the_page_they_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    let page = app.get("/admin/audit").await;
    page.assert_redirect("/login?next=/admin/audit");
    let page = app
        .post_form(
            "/login",
            &[
                ("phone", crate::common::STREET_ADMIN),
                ("password", PASSWORD),
                ("next", "/admin/audit"),
            ],
        )
        .await;
    page.assert_redirect("/admin/audit");

    let other = app.browser();
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let page = other
            .post_form(
                "/login",
                &[("phone", RESIDENT), ("password", PASSWORD), ("next", next)],
            )
            .await;
        page.assert_redirect("/me");
    }
}

#[tokio::test]
async fn the_language_and_elder_mode_are_remembered() {
    let app = TestApp::spawn().await;
    let home = app.get("/").await;
    home.assert_contains(r#"<html lang="zh-CN">"#);
    home.assert_contains("望京街道");
    app.get("/lang/en?next=/").await.assert_redirect("/");
    let home = app.get("/").await;
    home.assert_contains(r#"<html lang="en">"#);
    home.assert_lacks("登录");
    app.get("/elder/on?next=/").await.assert_redirect("/");
    app.get("/").await.assert_contains(r#"class="elder""#);
    app.get("/elder/off?next=/").await.assert_redirect("/");
    app.get("/").await.assert_lacks(r#"class="elder""#);
    app.get("/lang/xx").await.assert_status(404);
    app.get("/elder/maybe").await.assert_status(404);
}

#[tokio::test]
async fn someone_logged_in_is_not_asked_to_register_and_the_site_has_an_icon() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    visitor
        .get("/")
        .await
        .assert_contains(r#"href="/register""#);
    visitor.get("/register").await.assert_status(200);
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let home = resident.get("/").await;
    home.assert_lacks("注册参与");
    resident.get("/register").await.assert_redirect("/me");
    visitor
        .get("/favicon.ico")
        .await
        .assert_redirect("/static/icon.svg");
    let icon = visitor.get("/static/icon.svg").await;
    icon.assert_status(200);
    assert_eq!(icon.content_type.as_deref(), Some("image/svg+xml"));
    icon.assert_contains("<svg");
}

#[tokio::test]
async fn a_resident_changes_their_own_password_and_their_other_sessions_end() {
    let app = TestApp::spawn().await;
    let phone = app.logged_in(RESIDENT, PASSWORD).await;
    let laptop = app.logged_in(RESIDENT, PASSWORD).await;
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        let phone = phone.clone();
        async move {
            phone
                .post_form(
                    "/me/password",
                    &[("current", current), ("new", new), ("again", again)],
                )
                .await
        }
    };
    change("wrong-password", "a-new-password", "a-new-password")
        .await
        .assert_redirect("/me?password=err-password-current");
    change(PASSWORD, "short", "short")
        .await
        .assert_redirect("/me?password=err-password-too-short");
    change(PASSWORD, "a-new-password", "another-password")
        .await
        .assert_redirect("/me?password=err-password-mismatch");
    phone
        .get("/me?password=err-password-mismatch")
        .await
        .assert_contains("两次输入的新密码不一样");
    assert!(
        app.audit_entries("account.password_changed")
            .await
            .is_empty()
    );

    change(PASSWORD, "a-new-password", "a-new-password")
        .await
        .assert_redirect("/me?password=changed");
    phone
        .get("/me?password=changed")
        .await
        .assert_contains("密码已修改");
    laptop.get("/me").await.assert_redirect("/login?next=");
    app.browser()
        .try_login(RESIDENT, PASSWORD)
        .await
        .assert_status(401);
    app.browser().login(RESIDENT, "a-new-password").await;
    assert_eq!(app.audit_entries("account.password_changed").await.len(), 1);
    // A notice that is not one of ours is not shown.
    phone
        .get("/me?password=%3Cscript%3E")
        .await
        .assert_lacks("role=\"alert\"");
}
