//! Golden ideas through the web, on every engine: the wall's Chinese search and supports.

use crate::authorisation::submit_idea;
use crate::common::{COORDINATOR, PASSWORD, RESIDENT, TestApp, noisy_jpeg, small_png};

#[tokio::test]
async fn an_accepted_idea_is_found_on_the_wall_by_a_chinese_word_and_supported_once_per_person() {
    let app = TestApp::spawn().await;
    let shengxing = app.community_id("圣星").await;
    let category = app.idea_categories().await[0];
    let author = app.logged_in("13800000010", PASSWORD).await;
    let id = submit_idea(&author, "小区门口增设快递柜", shengxing, category).await;

    // Under review it is not on the wall yet.
    app.get("/ideas?q=快递柜")
        .await
        .assert_contains("共 0 个金点子");
    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    coordinator
        .post_form(&format!("/ideas/{id}/review"), &[("decision", "accept")])
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=reviewed"));

    let wall = app.get("/ideas?q=快递柜").await;
    wall.assert_contains("共 1 个金点子");
    wall.assert_contains("小区门口增设快递柜");
    app.get("/ideas?q=游泳池")
        .await
        .assert_contains("共 0 个金点子");
    // Wildcards and quotes are searched for, not obeyed, on every engine.
    for q in ["%25", "_", "%5C", "%27", "%22", "%25快递%25"] {
        let page = app.get(&format!("/ideas?q={q}")).await;
        page.assert_status(200);
    }
    app.get("/ideas?q=%25%25%25%25").await.assert_status(200);

    let neighbour = app.logged_in(RESIDENT, PASSWORD).await;
    for _ in 0..2 {
        neighbour
            .post_form(&format!("/ideas/{id}/support"), &[])
            .await
            .assert_redirect(&format!("/ideas/{id}?notice="));
    }
    author
        .post_form(&format!("/ideas/{id}/support"), &[])
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-idea-own"));
    app.get("/ideas?sort=supported")
        .await
        .assert_contains("1 人支持");
}

#[tokio::test]
async fn a_camera_sized_photo_is_stored_and_served_back_on_every_engine() {
    let app = TestApp::spawn().await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let huaxisan = app.community_id("花西三").await;
    let category = app.idea_categories().await[0];
    let id = submit_idea(&resident, "楼下花坛种月季", huaxisan, category).await;

    resident
        .upload_photo(id, noisy_jpeg(800, 600))
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=photo-added"));
    let photos = app.photo_ids(id).await;
    assert_eq!(photos.len(), 1);
    let fetch = |path: String| {
        let resident = &resident;
        async move {
            let response = resident
                .client()
                .get(resident.url(&path))
                .send()
                .await
                .expect("a photo");
            assert_eq!(response.status(), 200, "{path}");
            response.bytes().await.expect("the photo's bytes").to_vec()
        }
    };
    let photo = fetch(format!("/ideas/{id}/photos/{}", photos[0])).await;
    let thumb = fetch(format!("/ideas/{id}/photos/{}/thumb", photos[0])).await;
    assert!(photo.starts_with(&[0xff, 0xd8]), "a JPEG comes back");
    assert!(photo.len() > 64 * 1024, "bigger than a plain BLOB holds");
    assert!(thumb.starts_with(&[0xff, 0xd8]) && thumb.len() < photo.len());

    for _ in 0..2 {
        resident
            .upload_photo(id, small_png())
            .await
            .assert_redirect(&format!("/ideas/{id}?notice=photo-added"));
    }
    resident
        .upload_photo(id, small_png())
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-photo-too-many"));
    resident
        .upload_photo(id, b"not a photo at all".to_vec())
        .await
        .assert_redirect(&format!("/ideas/{id}?notice=err-photo"));
    assert_eq!(app.photo_ids(id).await.len(), 3);
}
