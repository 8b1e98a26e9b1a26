//! A community coordinator's work: accounts for residents who do not use a phone, and
//! password resets, for their own community only.

use crate::common::{COORDINATOR, PASSWORD, Page, RESIDENT, TestApp};

/// The password a reset shows, once.
fn shown_password(page: &Page) -> String {
    let (_, rest) = page
        .body
        .split_once(r#"<p class="big"><code>"#)
        .expect("the new password is shown");
    rest.split_once("</code>").expect("closed").0.to_owned()
}

#[tokio::test]
async fn a_coordinator_opens_an_account_for_a_resident_without_a_phone_recording_consent() {
    let app = TestApp::spawn().await;
    app.login(COORDINATOR, PASSWORD).await;
    let shengxing = app.community_id("圣星").await;
    let path = format!("/community/{shengxing}/residents");
    let count = app.account_count().await;

    let missing = [
        vec![("name", "钱奶奶"), ("consent", "本人当面同意")],
        vec![("name", "钱奶奶"), ("consent", "  "), ("consented", "yes")],
    ];
    for fields in missing {
        let page = app.post_form(&path, &fields).await;
        page.assert_status(422);
        assert_eq!(
            page.errors(),
            "请记录居民的同意方式，并勾选“居民本人已同意”。"
        );
        page.assert_contains(r#"value="钱奶奶""#);
    }
    let too_long = "同".repeat(501);
    let page = app
        .post_form(
            &path,
            &[
                ("name", "钱奶奶"),
                ("consent", &too_long),
                ("consented", "yes"),
            ],
        )
        .await;
    assert_eq!(page.errors(), "同意方式不能超过 500 个字。");
    let page = app
        .post_form(
            &path,
            &[
                ("name", "钱奶奶"),
                ("phone", "13800000004"),
                ("consent", "本人当面同意"),
                ("consented", "yes"),
            ],
        )
        .await;
    assert_eq!(page.errors(), "这个手机号已经注册过了。");
    assert_eq!(app.account_count().await, count, "nothing was written");

    let consent = "本人到居委会当面同意，纸质表编号 17";
    app.post_form(
        &path,
        &[
            ("name", "钱奶奶"),
            ("phone", ""),
            ("consent", consent),
            ("consented", "yes"),
        ],
    )
    .await
    .assert_redirect(&path);
    let page = app.get(&path).await;
    page.assert_contains("钱奶奶 <span class=\"tag\">代开户</span>");
    assert_eq!(app.account_count().await, count + 1);

    let staff = app.audit_entries("account.created_by_staff").await;
    assert_eq!(staff.len(), 1);
    let after = staff[0].after.as_deref().unwrap_or_default();
    assert!(after.contains(consent), "consent recorded: {after}");
    assert!(after.contains(r#""has_phone":false"#), "{after}");
    assert_eq!(staff[0].actor_name.as_deref(), Some("圣星协调人（示例）"));
}

#[tokio::test]
async fn a_password_reset_is_shown_once_and_ends_the_residents_sessions() {
    let app = TestApp::spawn().await;
    let shengxing = app.community_id("圣星").await;
    let liu = app.account_id("13800000011").await;
    let resident = app.logged_in("13800000011", PASSWORD).await;
    resident.get("/me").await.assert_status(200);

    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    let residents = format!("/community/{shengxing}/residents");
    let list = coordinator.get(&residents).await;
    list.assert_contains(&format!("{residents}/{liu}/password"));
    let page = coordinator
        .post_form(
            &format!("{residents}/{liu}/password"),
            &[
                ("consent", "本人来电，核对了登记信息"),
                ("consented", "yes"),
            ],
        )
        .await;
    page.assert_status(200);
    page.assert_contains("刘叔叔 的新密码（只显示这一次，请当面告知）");
    let password = shown_password(&page);
    assert_eq!(password.chars().count(), 10);
    coordinator.get(&residents).await.assert_lacks(&password);

    resident.get("/me").await.assert_redirect("/login?next=/me");
    let again = app.browser();
    again
        .try_login("13800000011", PASSWORD)
        .await
        .assert_status(401);
    again.login("13800000011", &password).await;
    let reset = app.audit_entries("account.password_reset").await;
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0].subject, format!("account:{liu}"));
}

#[tokio::test]
async fn a_coordinator_cannot_manage_another_communitys_residents() {
    let app = TestApp::spawn().await;
    app.login(COORDINATOR, PASSWORD).await;
    let shengxing = app.community_id("圣星").await;
    let huaxisan = app.community_id("花西三").await;
    let neighbour = app.account_id(RESIDENT).await;
    let count = app.account_count().await;

    app.get(&format!("/community/{huaxisan}/residents"))
        .await
        .assert_status(403);
    let page = app
        .post_form(
            &format!("/community/{huaxisan}/residents"),
            &[("name", "越权"), ("consent", "无"), ("consented", "yes")],
        )
        .await;
    page.assert_status(403);
    app.post_form(
        &format!("/community/{huaxisan}/residents/{neighbour}/password"),
        &[],
    )
    .await
    .assert_status(403);
    // Through their own community's address, a resident of another is not found.
    app.post_form(
        &format!("/community/{shengxing}/residents/{neighbour}/password"),
        &[],
    )
    .await
    .assert_status(404);

    assert_eq!(app.account_count().await, count);
    assert!(app.audit_entries("account.password_reset").await.is_empty());
    app.browser().login(RESIDENT, PASSWORD).await;
}

#[tokio::test]
async fn a_street_admin_resets_the_password_of_a_resident_of_any_community_of_the_street() {
    let app = TestApp::spawn().await;
    app.login(crate::common::STREET_ADMIN, PASSWORD).await;
    let huaxisan = app.community_id("花西三").await;
    let neighbour = app.account_id(RESIDENT).await;
    let page = app
        .post_form(
            &format!("/community/{huaxisan}/residents/{neighbour}/password"),
            &[("consent", "本人到街道办事处"), ("consented", "yes")],
        )
        .await;
    page.assert_status(200);
    let password = shown_password(&page);
    app.browser().login(RESIDENT, &password).await;
}
