//! Phone numbers stay private: public pages never show one, and a coordinator sees them
//! masked.

use crate::common::{COORDINATOR, PASSWORD, Page, RESIDENT, STREET_ADMIN, TestApp};

/// Eleven digits in a row anywhere in the page, once tokens (64 hex digits, which may
/// hold a run of digits by chance) are taken out.
fn phone_numbers(page: &Page) -> Vec<String> {
    let token = regex::Regex::new("[0-9a-f]{64}").expect("token pattern");
    let digits = regex::Regex::new("[0-9]{11,}").expect("digits pattern");
    let text = token.replace_all(&page.body, "");
    digits
        .find_iter(&text)
        .map(|m| m.as_str().to_owned())
        .collect()
}

#[tokio::test]
async fn public_pages_never_show_a_phone_number() {
    let app = TestApp::spawn().await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let mut seen = Vec::new();
    for visitor in [&*app, &resident] {
        for path in [
            "/",
            "/communities",
            "/alliance",
            "/login",
            "/register",
            "/me",
            "/nope",
        ] {
            let page = visitor.get(path).await;
            if page.status.as_u16() == 303 {
                continue;
            }
            for number in phone_numbers(&page) {
                seen.push(format!("{path}: {number}"));
            }
        }
    }
    assert!(seen.is_empty(), "phone numbers on public pages: {seen:?}");
}

#[tokio::test]
async fn a_coordinator_sees_residents_numbers_masked_and_the_audit_log_holds_none() {
    let app = TestApp::spawn().await;
    app.login(COORDINATOR, PASSWORD).await;
    let shengxing = app.community_id("圣星").await;
    let page = app.get(&format!("/community/{shengxing}/residents")).await;
    page.assert_status(200);
    assert_eq!(phone_numbers(&page), Vec::<String>::new());
    page.assert_contains("<td>138****0011</td>");
    // Staff (the coordinator themself) are not residents to be managed here.
    page.assert_lacks("<td>138****0002</td>");

    app.post_form(
        "/register",
        &[
            ("phone", "13912345678"),
            ("name", "新居民"),
            ("password", "long-enough"),
        ],
    )
    .await
    .assert_redirect("/me");
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let log = admin.get("/admin/audit").await;
    assert_eq!(phone_numbers(&log), Vec::<String>::new());
    let roles = admin.get("/admin/roles").await;
    assert_eq!(phone_numbers(&roles), Vec::<String>::new());
}
