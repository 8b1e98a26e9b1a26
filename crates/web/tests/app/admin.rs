//! The street admin's work: communities, courtyards, organisations, roles, the season and
//! the audit log that records all of it.

use crate::common::{PASSWORD, STREET_ADMIN, TestApp};

async fn admin_app() -> TestApp {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    app
}

/// The current step as the home page names it.
async fn current_step(app: &TestApp) -> String {
    let home = app.get("/").await;
    let (_, rest) = home
        .body
        .split_once("当前阶段：")
        .expect("the home page names the current step");
    let (_, rest) = rest.split_once("<strong>").expect("a <strong> step name");
    rest.split_once("</strong>")
        .expect("a closed <strong>")
        .0
        .to_owned()
}

#[tokio::test]
async fn a_street_admin_creates_and_renames_a_community_but_never_to_a_taken_name() {
    let app = admin_app().await;
    app.post_form("/admin/communities", &[("name", "  望京新城  ")])
        .await
        .assert_redirect("/admin/communities");
    assert!(app.community_names().await.contains(&"望京新城".to_owned()));
    app.get("/admin/communities")
        .await
        .assert_contains("望京新城");

    for taken in ["望京新城", "圣星"] {
        let page = app
            .post_form("/admin/communities", &[("name", taken)])
            .await;
        page.assert_status(422);
        assert_eq!(page.errors(), "这个名称已经存在。");
    }
    let page = app.post_form("/admin/communities", &[("name", " ")]).await;
    page.assert_status(422);
    assert_eq!(page.errors(), "请填写名称。");
    let page = app
        .post_form("/admin/communities", &[("name", &"长".repeat(61))])
        .await;
    assert_eq!(page.errors(), "名称不能超过 60 个字。");

    let id = app.community_id("望京新城").await;
    app.post_form(
        &format!("/admin/communities/{id}/rename"),
        &[("name", "望京新城一区")],
    )
    .await
    .assert_redirect("/admin/communities");
    let names = app.community_names().await;
    assert!(names.contains(&"望京新城一区".to_owned()));
    assert!(!names.contains(&"望京新城".to_owned()));
    let page = app
        .post_form(
            &format!("/admin/communities/{id}/rename"),
            &[("name", "圣星")],
        )
        .await;
    page.assert_status(422);
    assert_eq!(page.errors(), "这个名称已经存在。");
    assert_eq!(
        app.community_id("望京新城一区").await,
        id,
        "the name is unchanged"
    );

    let renamed = app.audit_entries("community.renamed").await;
    assert_eq!(renamed.len(), 1);
    assert!(
        renamed[0]
            .before
            .as_deref()
            .is_some_and(|b| b.contains("望京新城"))
    );
    assert!(
        renamed[0]
            .after
            .as_deref()
            .is_some_and(|a| a.contains("望京新城一区"))
    );
    assert_eq!(app.audit_entries("community.created").await.len(), 1);
}

#[tokio::test]
async fn a_street_admin_adds_courtyards_to_a_community_once_each() {
    let app = admin_app().await;
    let nanhu = app.community_id("南湖中园").await;
    let path = format!("/admin/communities/{nanhu}/courtyards");
    for name in ["1号院", "2号院"] {
        app.post_form(&path, &[("name", name)])
            .await
            .assert_redirect("/admin/communities");
    }
    app.get("/admin/communities")
        .await
        .assert_contains("1号院、2号院");
    let page = app.post_form(&path, &[("name", "1号院")]).await;
    page.assert_status(422);
    assert_eq!(page.errors(), "这个名称已经存在。");
    // The same courtyard name is fine in another community.
    let shengxing = app.community_id("圣星").await;
    app.post_form(
        &format!("/admin/communities/{shengxing}/courtyards"),
        &[("name", "1号院")],
    )
    .await
    .assert_redirect("/admin/communities");
    assert_eq!(app.audit_entries("courtyard.created").await.len(), 3);
}

#[tokio::test]
async fn a_street_admin_adds_social_organisations_and_units() {
    let app = admin_app().await;
    app.post_form(
        "/admin/organisations",
        &[("name", "望京社区营造中心"), ("kind", "social_org")],
    )
    .await
    .assert_redirect("/admin/organisations");
    app.post_form(
        "/admin/organisations",
        &[("name", "望京菜市场"), ("kind", "social_unit")],
    )
    .await
    .assert_redirect("/admin/organisations");
    let page = app.get("/admin/organisations").await;
    page.assert_contains("望京社区营造中心");
    page.assert_contains("望京菜市场");

    let page = app
        .post_form(
            "/admin/organisations",
            &[("name", "方舟社工发展中心"), ("kind", "social_org")],
        )
        .await;
    page.assert_status(422);
    assert_eq!(page.errors(), "这个名称已经存在。");
    let page = app
        .post_form(
            "/admin/organisations",
            &[("name", "某机构"), ("kind", "government")],
        )
        .await;
    page.assert_status(422);
    assert_eq!(page.errors(), "请选择机构类型。");
    assert_eq!(app.audit_entries("organisation.created").await.len(), 2);
}

#[tokio::test]
async fn a_street_admin_makes_a_registered_resident_a_coordinator_by_phone_number() {
    let app = admin_app().await;
    let nanhu = app.community_id("南湖东园").await;
    let scope = format!("coordinator:{nanhu}");
    // Before: 王阿姨 may not see 南湖东园's residents.
    let wang = app.logged_in("13800000010", PASSWORD).await;
    let residents = format!("/community/{nanhu}/residents");
    wang.get(&residents).await.assert_status(403);

    app.post_form(
        "/admin/roles",
        &[("phone", "138 0000 0010"), ("scope", &scope)],
    )
    .await
    .assert_redirect("/admin/roles?done=1");
    let page = app.get("/admin/roles?done=1").await;
    page.assert_contains("已授予。");
    page.assert_contains("王阿姨");
    // The role counts from the next request; no new login is needed.
    wang.get(&residents).await.assert_status(200);

    let again = app
        .post_form(
            "/admin/roles",
            &[("phone", "13800000010"), ("scope", &scope)],
        )
        .await;
    again.assert_status(422);
    assert_eq!(again.errors(), "此人已经有这个身份了。");
    let unknown = app
        .post_form(
            "/admin/roles",
            &[("phone", "13999990000"), ("scope", &scope)],
        )
        .await;
    assert_eq!(unknown.errors(), "这个手机号还没有注册。");
    let malformed = app
        .post_form("/admin/roles", &[("phone", "110"), ("scope", &scope)])
        .await;
    assert!(malformed.errors().contains("手机号格式不对"));
    // Scopes outside the street, of a social unit, or of no kind at all.
    let unit = app.organisation_id("望京实验小学（示例）").await;
    for bad in [
        "coordinator:999999".to_owned(),
        "street_admin:999999".to_owned(),
        format!("social_worker:{unit}"),
        "resident:1".to_owned(),
        "nonsense".to_owned(),
    ] {
        let page = app
            .post_form("/admin/roles", &[("phone", "13800000011"), ("scope", &bad)])
            .await;
        page.assert_status(422);
        assert_eq!(page.errors(), "请选择本街道的一个身份。", "scope {bad}");
    }
    let granted = app.audit_entries("account.role_granted").await;
    assert_eq!(granted.len(), 1);
    assert_eq!(
        granted[0].subject,
        format!("account:{}", app.account_id("13800000010").await)
    );
}

#[tokio::test]
async fn the_season_moves_on_and_back_only_with_a_reason_and_every_move_is_audited() {
    let app = admin_app().await;
    assert_eq!(current_step(&app).await, "金点子征集");
    app.get("/admin/season")
        .await
        .assert_contains(r#"name="expected" value="3""#);

    app.post_form("/admin/season/advance", &[("expected", "3")])
        .await
        .assert_redirect("/admin/season");
    assert_eq!(current_step(&app).await, "提案撰写优化");

    // A second admin who still sees step 3 does not move it twice.
    let stale = app
        .post_form("/admin/season/advance", &[("expected", "3")])
        .await;
    stale.assert_status(422);
    assert_eq!(
        stale.errors(),
        "阶段刚刚被其他人调整过，请查看最新状态后再操作。"
    );
    assert_eq!(current_step(&app).await, "提案撰写优化");

    for reason in ["", "   "] {
        let page = app
            .post_form(
                "/admin/season/back",
                &[("expected", "4"), ("reason", reason)],
            )
            .await;
        page.assert_status(422);
        assert_eq!(page.errors(), "退回上一阶段需要填写原因。");
    }
    let page = app
        .post_form(
            "/admin/season/back",
            &[("expected", "4"), ("reason", &"长".repeat(501))],
        )
        .await;
    assert_eq!(page.errors(), "原因不能超过 500 个字。");
    assert_eq!(current_step(&app).await, "提案撰写优化");

    app.post_form(
        "/admin/season/back",
        &[("expected", "4"), ("reason", "居民反映征集时间太短")],
    )
    .await
    .assert_redirect("/admin/season");
    assert_eq!(current_step(&app).await, "金点子征集");

    let back = app.audit_entries("season.moved_back").await;
    assert_eq!(back.len(), 1);
    assert!(
        back[0]
            .after
            .as_deref()
            .is_some_and(|a| a.contains("居民反映征集时间太短")),
        "the reason is in the log: {:?}",
        back[0].after
    );
    assert_eq!(app.audit_entries("season.advanced").await.len(), 1);
    let log = app.get("/admin/audit?action=season.moved_back").await;
    log.assert_contains("居民反映征集时间太短");
    log.assert_contains("杨科长（示例）");
    // Field by field, not raw JSON.
    log.assert_lacks("{&#34;");
    log.assert_contains("<dd>居民反映征集时间太短</dd>");
}

#[tokio::test]
async fn the_season_cannot_move_past_its_last_step_or_before_its_first() {
    let app = admin_app().await;
    for expected in 3..=7 {
        app.post_form(
            "/admin/season/advance",
            &[("expected", &expected.to_string())],
        )
        .await
        .assert_redirect("/admin/season");
    }
    assert_eq!(current_step(&app).await, "总结与展示");
    app.get("/admin/season")
        .await
        .assert_lacks("/admin/season/advance");
    let page = app
        .post_form("/admin/season/advance", &[("expected", "8")])
        .await;
    assert_eq!(page.errors(), "已经是最后一个阶段了。");
    for expected in (2..=8).rev() {
        app.post_form(
            "/admin/season/back",
            &[("expected", &expected.to_string()), ("reason", "回到开头")],
        )
        .await
        .assert_redirect("/admin/season");
    }
    let page = app
        .post_form(
            "/admin/season/back",
            &[("expected", "1"), ("reason", "再退")],
        )
        .await;
    assert_eq!(page.errors(), "已经是第一个阶段了。");
    assert_eq!(current_step(&app).await, "基础情况调研");
}

fn calendar(overrides: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![
        ("starts_1", "2018-04-01"),
        ("ends_1", "2018-04-20"),
        ("starts_2", "2018-04-21"),
        ("ends_2", "2018-05-05"),
        ("starts_3", "2018-05-06"),
        ("ends_3", "2018-06-10"),
        ("starts_4", "2018-06-11"),
        ("ends_4", "2018-07-15"),
        ("starts_5", "2018-07-16"),
        ("ends_5", "2018-07-31"),
        ("starts_6", "2018-08-01"),
        ("ends_6", "2018-08-10"),
        ("starts_7", "2018-08-11"),
        ("ends_7", "2018-11-30"),
        ("starts_8", "2018-12-01"),
        ("ends_8", "2018-12-20"),
    ];
    for (key, value) in overrides {
        if let Some(field) = fields.iter_mut().find(|(k, _)| k == key) {
            field.1 = value;
        }
    }
    fields
}

#[tokio::test]
async fn the_season_calendar_refuses_impossible_dates_and_keeps_good_ones() {
    let app = admin_app().await;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("starts_2", "2018-13-01")],
            "请填写第 2 阶段的开始和结束日期（格式 2017-05-06）。",
        ),
        (
            &[("ends_5", "2018-02-30")],
            "请填写第 5 阶段的开始和结束日期（格式 2017-05-06）。",
        ),
        (
            &[("starts_1", "")],
            "请填写第 1 阶段的开始和结束日期（格式 2017-05-06）。",
        ),
        (
            &[("ends_3", "2018-05-01")],
            "第 3 阶段的结束日期早于开始日期。",
        ),
        (
            &[("starts_4", "2018-05-01")],
            "第 4 阶段的开始日期早于上一阶段。",
        ),
    ];
    for (overrides, message) in cases {
        let page = app
            .post_form("/admin/season/calendar", &calendar(overrides))
            .await;
        page.assert_status(422);
        assert_eq!(page.errors(), message);
    }
    assert_eq!(
        app.audit_entries("season.calendar_set").await.len(),
        1,
        "only the demo's calendar so far"
    );
    app.get("/").await.assert_contains("05-06 – 06-10");

    app.post_form(
        "/admin/season/calendar",
        &calendar(&[("starts_3", "2018-05-08")]),
    )
    .await
    .assert_redirect("/admin/season");
    let season = app.get("/admin/season").await;
    season.assert_contains(r#"name="starts_3" type="date" value="2018-05-08""#);
    season.assert_contains(r#"name="ends_8" type="date" value="2018-12-20""#);
    app.get("/").await.assert_contains("05-08 – 06-10");
    assert_eq!(app.audit_entries("season.calendar_set").await.len(), 2);
}

#[tokio::test]
async fn the_audit_log_shows_who_did_what_and_filters_by_action_and_date() {
    let app = admin_app().await;
    app.post_form("/admin/communities", &[("name", "审计社区")])
        .await
        .assert_redirect("/admin/communities");
    app.post_form("/admin/season/advance", &[("expected", "3")])
        .await
        .assert_redirect("/admin/season");

    let all = app.get("/admin/audit").await;
    all.assert_status(200);
    // Everything in the log (the demo's own history included) happened today.
    let total = all
        .main_text()
        .split("共 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("the log says how many entries it holds");
    assert!(total > 4, "{total}");
    let total = format!("共 {total} 条");
    // Newest first: the two changes just made lead the log.
    for text in ["新建社区", "进入下一阶段", "杨科长（示例）", "审计社区"] {
        all.assert_contains(text);
    }
    for (action, label) in [
        ("season.created", "开启创享计划"),
        ("season.calendar_set", "设置阶段日程"),
    ] {
        let one = app.get(&format!("/admin/audit?action={action}")).await;
        one.assert_contains(label);
        one.assert_contains("共 1 条");
    }

    let created = app.get("/admin/audit?action=community.created").await;
    created.assert_contains("共 1 条");
    created.assert_contains("审计社区");
    created.assert_lacks("<td>进入下一阶段</td>");
    created.assert_contains(r#"<option value="community.created" selected>"#);

    // Dates are Beijing dates.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let tomorrow = today.succ_opt().expect("a tomorrow");
    let yesterday = today.pred_opt().expect("a yesterday");
    let from_today = app
        .get(&format!("/admin/audit?from={today}&to={today}"))
        .await;
    from_today.assert_contains(&total);
    app.get(&format!("/admin/audit?from={tomorrow}"))
        .await
        .assert_contains("共 0 条");
    app.get(&format!("/admin/audit?to={yesterday}"))
        .await
        .assert_contains("共 0 条");
    app.get(&format!(
        "/admin/audit?action=season.advanced&from={yesterday}&to={tomorrow}"
    ))
    .await
    .assert_contains("共 1 条");

    let bad = app.get("/admin/audit?from=2018-02-30").await;
    bad.assert_status(200);
    assert_eq!(bad.errors(), "筛选条件有误，已忽略无法识别的部分。");
    bad.assert_contains(&total);
}

#[tokio::test]
async fn a_street_admin_opens_next_years_season_at_its_first_step_once() {
    let app = admin_app().await;
    let open = |year: &'static str, title: &'static str| {
        let app = &app;
        async move {
            app.post_form("/admin/season/open", &[("year", year), ("title", title)])
                .await
        }
    };
    for (year, title, message) in [
        ("2017", "重复的年度", "这一年度的创享计划已经开启了。"),
        ("1999", "太早的年度", "年份应在 2000 到 2100 之间。"),
        ("明年", "不是数字", "年份应在 2000 到 2100 之间。"),
        ("2018", " ", "计划名称不能为空，也不能超过 60 个字。"),
    ] {
        let page = open(year, title).await;
        page.assert_status(422);
        assert_eq!(page.errors(), message, "year {year}");
    }
    assert_eq!(app.audit_entries("season.created").await.len(), 1);

    open("2018", "2018年望京街道社区创享计划")
        .await
        .assert_redirect("/admin/season");
    let home = app.get("/").await;
    home.assert_contains("2018年望京街道社区创享计划");
    assert_eq!(current_step(&app).await, "基础情况调研");
    assert_eq!(app.audit_entries("season.created").await.len(), 2);
}

#[tokio::test]
async fn saving_a_form_unchanged_is_not_an_error() {
    let app = admin_app().await;
    let shengxing = app.community_id("圣星").await;
    app.post_form(
        &format!("/admin/communities/{shengxing}/rename"),
        &[("name", "圣星")],
    )
    .await
    .assert_redirect("/admin/communities");
    let demo_calendar = [
        ("starts_1", "2017-04-01"),
        ("ends_1", "2017-04-20"),
        ("starts_2", "2017-04-21"),
        ("ends_2", "2017-05-05"),
        ("starts_3", "2017-05-06"),
        ("ends_3", "2017-06-10"),
        ("starts_4", "2017-06-11"),
        ("ends_4", "2017-07-15"),
        ("starts_5", "2017-07-16"),
        ("ends_5", "2017-07-31"),
        ("starts_6", "2017-08-01"),
        ("ends_6", "2017-08-10"),
        ("starts_7", "2017-08-11"),
        ("ends_7", "2017-11-30"),
        ("starts_8", "2017-12-01"),
        ("ends_8", "2017-12-20"),
    ];
    app.post_form("/admin/season/calendar", &demo_calendar)
        .await
        .assert_redirect("/admin/season");
    let admin_home = app.account(STREET_ADMIN).await.expect("demo admin");
    let community = admin_home
        .community_id
        .expect("the demo admin lives somewhere");
    app.post_form("/me/community", &[("community_id", &community.to_string())])
        .await
        .assert_redirect("/me?saved=1");
}

#[tokio::test]
async fn names_are_stored_as_typed_on_every_engine() {
    let app = admin_app().await;
    // Four-byte characters (emoji, rare hanzi) need utf8mb4 on MariaDB.
    for name in ["幸福里🌸", "𠀋𡈽社区", "Sunshine Garden"] {
        app.post_form("/admin/communities", &[("name", name)])
            .await
            .assert_redirect("/admin/communities");
        assert!(
            app.community_names().await.contains(&name.to_owned()),
            "{name}"
        );
        app.get("/communities").await.assert_contains(name);
    }
    app.post_form(
        "/register",
        &[
            ("phone", "13912340001"),
            ("name", "花花🌼"),
            ("password", "long-enough"),
        ],
    )
    .await
    .assert_redirect("/me");
    app.get("/me").await.assert_contains("您好，花花🌼");
}

#[tokio::test]
async fn names_that_differ_only_in_case_width_or_a_rare_character_are_different_names() {
    let app = admin_app().await;
    let names = [
        "Sunshine Garden",
        "SUNSHINE GARDEN",
        "1号院小区",
        "１号院小区",
        "幸福里🌸",
        "幸福里🌼",
        "𠀋社区",
        "𡈽社区",
    ];
    for name in names {
        let page = app.post_form("/admin/communities", &[("name", name)]).await;
        page.assert_redirect("/admin/communities");
    }
    let stored = app.community_names().await;
    for name in names {
        assert!(stored.contains(&name.to_owned()), "{name} in {stored:?}");
    }
}
