//! The rules of idea collection through the web: step gating and late paper forms, the
//! similar-idea check, review rights, hostile text and photos, exports and posters.

use crate::authorisation::submit_idea;
use crate::common::{COORDINATOR, PASSWORD, RESIDENT, STREET_ADMIN, TestApp, small_png};

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Moves the demo season (in idea collection, step 3) one step on, to proposal drafting.
async fn advance_to_drafting(app: &TestApp) {
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    admin
        .post_form("/admin/season/advance", &[("expected", "3")])
        .await
        .assert_redirect("/admin/season");
}

#[tokio::test]
async fn after_idea_collection_only_a_paper_form_dated_inside_it_is_typed_in_flagged_late() {
    let app = TestApp::spawn().await;
    let shengxing = app.community_id("圣星").await;
    let category = app.idea_categories().await[0].to_string();
    let community = shengxing.to_string();
    advance_to_drafting(&app).await;

    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let online = [
        ("title", "楼顶光伏"),
        ("description", "装太阳能板"),
        ("category_id", category.as_str()),
        ("community_id", community.as_str()),
        ("confirm", "1"),
    ];
    let page = resident.post_form("/ideas", &online).await;
    page.assert_status(422);
    assert_eq!(page.errors(), "现在不是金点子征集阶段，暂不能提交。");

    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    let paper = |date: &str| -> Vec<(&'static str, String)> {
        [
            ("title", "楼道加装扶手"),
            ("description", "老人上下楼不方便"),
            ("category_id", category.as_str()),
            ("community_id", community.as_str()),
            ("confirm", "1"),
            ("paper", "1"),
            ("paper_number", "17"),
            ("paper_date", date),
            ("resident_name", "钱奶奶"),
            ("consent", "本人签字"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect()
    };
    // The demo calendar puts idea collection at 2017-05-06 to 2017-06-10.
    let outside = paper("2017-06-20");
    let page = coordinator.post_form("/ideas", &as_refs(&outside)).await;
    assert_eq!(
        page.errors(),
        "纸质征集表的填表日期须在金点子征集阶段之内。"
    );
    let inside = paper("2017-05-20");
    let page = coordinator.post_form("/ideas", &as_refs(&inside)).await;
    page.assert_redirect("/ideas/");
    let idea = page.location.clone().expect("the new idea");
    let shown = coordinator.get(&idea).await;
    shown.assert_contains("补录");
    shown.assert_contains("纸质征集表 17");
    shown.assert_contains("钱奶奶");

    // A resident cannot type in a paper form.
    let page = resident.post_form("/ideas", &as_refs(&inside)).await;
    page.assert_status(403);
}

#[tokio::test]
async fn a_similar_idea_is_shown_before_saving_and_the_second_submit_saves() {
    let app = TestApp::spawn().await;
    let huaxisan = app.community_id("花西三").await.to_string();
    let category = app.idea_categories().await[0].to_string();
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let fields = [
        ("title", "楼道堆物"),
        ("description", "<script>alert('x')</script>清理"),
        ("category_id", category.as_str()),
        ("community_id", huaxisan.as_str()),
    ];
    // The demo holds 楼道里堆的杂物谁来清 in every community.
    let page = resident.post_form("/ideas", &fields).await;
    page.assert_status(200);
    page.assert_contains("已经有人提出了相似的金点子");
    page.assert_contains("楼道里堆的杂物谁来清");
    page.assert_contains(r#"name="confirm" value="1""#);
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "1"));
    let saved = resident.post_form("/ideas", &confirmed).await;
    saved.assert_redirect("/ideas/");
    let idea = resident.get(&saved.location.clone().expect("saved")).await;
    idea.assert_lacks("<script>alert");
    idea.assert_contains("&#60;script&#62;");
}

#[tokio::test]
async fn only_the_communitys_staff_review_and_a_decline_needs_a_reason_the_author_sees() {
    let app = TestApp::spawn().await;
    let huaxisan = app.community_id("花西三").await;
    let category = app.idea_categories().await[1];
    let author = app.logged_in(RESIDENT, PASSWORD).await;
    let id = submit_idea(&author, "夜间巡逻队", huaxisan, category).await;
    let review = format!("/ideas/{id}/review");

    // Before review: the author sees it, a neighbour and the public do not.
    author.get(&format!("/ideas/{id}")).await.assert_status(200);
    app.logged_in("13800000011", PASSWORD)
        .await
        .get(&format!("/ideas/{id}"))
        .await
        .assert_status(403);
    app.get(&format!("/ideas/{id}"))
        .await
        .assert_redirect("/login?next=");

    // The Shengxing coordinator does not review Huaxisan's ideas; residents review none.
    let other_coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    other_coordinator
        .post_form(&review, &[("decision", "accept")])
        .await
        .assert_status(403);
    author
        .post_form(&review, &[("decision", "accept")])
        .await
        .assert_status(403);

    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    admin
        .post_form(&review, &[("decision", "decline"), ("reason", "  ")])
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-idea-reason"));
    admin
        .post_form(
            &review,
            &[("decision", "merge"), ("target", &id.to_string())],
        )
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-idea-merge-target"));
    admin
        .post_form(
            &review,
            &[("decision", "decline"), ("reason", "已由派出所统一组织")],
        )
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=reviewed"));
    admin
        .post_form(&review, &[("decision", "accept")])
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-idea-reviewed"));
    author
        .get("/me")
        .await
        .assert_contains("已由派出所统一组织");
    assert_eq!(app.audit_entries("idea.declined").await.len(), 1);
}

#[tokio::test]
async fn a_text_file_named_jpg_and_a_fourth_photo_are_refused() {
    let app = TestApp::spawn().await;
    let huaxisan = app.community_id("花西三").await;
    let category = app.idea_categories().await[0];
    let author = app.logged_in(RESIDENT, PASSWORD).await;
    let id = submit_idea(&author, "共享雨伞", huaxisan, category).await;
    author
        .upload_photo(id, b"just some text, not a photo".to_vec())
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-photo-type"));
    for _ in 0..3 {
        author
            .upload_photo(id, small_png())
            .await
            .assert_redirect(&format!("/ideas/{id}?notice=photo-added"));
    }
    author
        .upload_photo(id, small_png())
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-photo-too-many"));
    assert_eq!(app.photo_ids(id).await.len(), 3);
    // Someone else cannot add photos to it.
    let neighbour = app.logged_in("13800000011", PASSWORD).await;
    neighbour
        .upload_photo(id, small_png())
        .await
        .assert_status(403);
}

#[tokio::test]
async fn street_staff_export_ideas_as_csv_with_a_bom_and_as_xlsx() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let csv = admin
        .client()
        .get(admin.url("/admin/export/ideas.csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status().as_u16(), 200);
    let bytes = csv.bytes().await.expect("body");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("编号,标题,社区,类别,状态"));
    assert!(text.contains("萌宠俱乐部"));
    let xlsx = admin
        .client()
        .get(admin.url("/admin/export/ideas.xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(xlsx.status().as_u16(), 200);
    assert!(xlsx.bytes().await.expect("body").starts_with(b"PK\x03\x04"));
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    resident
        .get("/admin/export/ideas.csv")
        .await
        .assert_status(403);
}

#[tokio::test]
async fn a_coordinator_prints_a_poster_for_their_own_community_only() {
    let app = TestApp::spawn().await;
    let shengxing = app.community_id("圣星").await;
    let huaxisan = app.community_id("花西三").await;
    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    let poster = coordinator
        .get(&format!("/community/{shengxing}/poster"))
        .await;
    poster.assert_status(200);
    // The QR code is an SVG picture in the image's address, not markup in the page.
    poster.assert_contains(r#"class="poster-qr" src="data:image/svg+xml,%3C"#);
    poster.assert_contains(&format!("/ideas/new?community={shengxing}"));
    coordinator
        .get(&format!("/community/{huaxisan}/poster"))
        .await
        .assert_status(403);
}
