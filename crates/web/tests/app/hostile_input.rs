//! What a careless or hostile request gets: forged forms, oversized bodies, made-up ids and
//! addresses. Always a friendly page with a truthful status, never a 500, nothing written.

use crate::common::{COORDINATOR, PASSWORD, Page, STREET_ADMIN, TestApp};

#[tokio::test]
async fn a_form_with_a_forged_or_missing_csrf_token_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    let before = app.community_names().await;
    let forged = "0".repeat(64);
    let attempts: Vec<Vec<(&str, &str)>> = vec![
        vec![("csrf", forged.as_str()), ("name", "伪造社区")],
        vec![("csrf", "not-even-hex"), ("name", "伪造社区")],
        vec![("name", "伪造社区")],
    ];
    for fields in attempts {
        let page = app.post_form_exactly("/admin/communities", &fields).await;
        page.assert_status(403);
        page.assert_contains("表单已过期");
        page.assert_contains("为了安全，这次提交没有被接受。");
    }
    // A visitor who never saw a page of the site (a cross-site form) has no token at all.
    let stranger = app.browser();
    stranger
        .post_form_exactly("/register", &[("phone", "13912340000"), ("name", "x")])
        .await
        .assert_status(403);
    // A token in a header or the query string must match the cookie just the same.
    let page = app
        .post_form_exactly(
            &format!("/admin/communities?csrf={forged}"),
            &[("name", "伪造社区")],
        )
        .await;
    page.assert_status(403);
    let real = app.csrf().await;
    let response = app
        .client()
        .post(app.url("/admin/communities"))
        .header("x-csrf-token", &forged)
        .form(&[("csrf", real.as_str()), ("name", "伪造社区")])
        .send()
        .await
        .expect("a form with a forged header");
    Page::read(response).await.assert_status(403);
    assert_eq!(app.community_names().await, before, "nothing was created");
    assert!(app.account("13912340000").await.is_none());
    assert!(app.audit_entries("community.created").await.is_empty());

    // The same form with the visitor's own token goes through.
    app.post_form("/admin/communities", &[("name", "真社区")])
        .await
        .assert_redirect("/admin/communities");
}

#[tokio::test]
async fn an_upload_with_a_forged_token_is_refused_before_it_is_read() {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    let before = app.community_names().await;
    let form = crate::common::upload_form("communities", "c.csv", "社区\n伪造导入\n".into());
    let response = app
        .client()
        .post(app.url(&format!("/admin/import?csrf={}", "f".repeat(64))))
        .multipart(form)
        .send()
        .await
        .expect("an upload");
    let page = Page::read(response).await;
    page.assert_status(403);
    page.assert_contains("表单已过期");
    assert_eq!(app.community_names().await, before);
}

/// Nine megabytes: over the 8 MB limit.
fn oversized() -> Vec<u8> {
    vec![b'a'; 9 * 1024 * 1024]
}

#[tokio::test]
async fn an_oversized_upload_gets_the_file_too_large_page() {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    let before = app.community_names().await;
    let page = app
        .upload("/admin/import", "communities", "huge.csv", oversized())
        .await;
    page.assert_status(413);
    page.assert_contains("文件太大");
    page.assert_contains("8 MB");
    assert_eq!(app.community_names().await, before);
}

#[tokio::test]
async fn an_oversized_upload_sent_without_a_length_gets_the_file_too_large_page() {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    let csrf = app.csrf().await;
    let sid = app.cookie("cx_sid").expect("logged in");
    let boundary = "cxboundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncommunities\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    );
    let mut body = head.into_bytes();
    body.extend(oversized());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    // Chunked, with no Content-Length: the server only finds out while reading.
    let (status, page) = chunked_post(
        &app.base,
        &format!("/admin/import?csrf={csrf}"),
        &[
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            ),
            ("Cookie", &format!("cx_csrf={csrf}; cx_sid={sid}")),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 413, "{page}");
    assert!(page.contains("文件太大"), "{page}");
}

/// Sends a POST with `Transfer-Encoding: chunked` over a plain socket (a client library
/// would add a length) and returns the status and the body as text.
async fn chunked_post(
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let socket = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the app");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let (mut reader, mut writer) = socket.into_split();
    let body = body.to_vec();
    // Written while the answer is read: the server may answer before it has read everything.
    let sending = tokio::spawn(async move {
        writer.write_all(request.as_bytes()).await?;
        for chunk in body.chunks(64 * 1024) {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            writer.write_all(&frame).await?;
        }
        writer.write_all(b"0\r\n\r\n").await
    });
    let mut response = Vec::new();
    // A reset after the answer arrived is fine: what was read is kept.
    let _ = reader.read_to_end(&mut response).await;
    let _ = sending.await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

#[tokio::test]
async fn an_oversized_form_is_refused_with_a_friendly_page() {
    let app = TestApp::spawn().await;
    let csrf = app.csrf().await;
    let mut body = format!("csrf={csrf}&phone=13800000004&password=");
    body.push_str(&"a".repeat(9 * 1024 * 1024));
    let response = app
        .client()
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("an oversized form");
    let page = Page::read(response).await;
    page.assert_status(413);
    page.assert_contains("文件太大");
}

#[tokio::test]
async fn an_oversized_photo_sent_without_a_length_gets_the_file_too_large_page() {
    let app = TestApp::spawn().await;
    app.login(crate::common::RESIDENT, PASSWORD).await;
    let huaxisan = app.community_id("花西三").await;
    let category = app.idea_categories().await[0];
    let idea = crate::authorisation::submit_idea(&app, "楼道灯常亮", huaxisan, category).await;
    let csrf = app.csrf().await;
    let sid = app.cookie("cx_sid").expect("logged in");
    let boundary = "cxboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend(oversized());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let (status, page) = chunked_post(
        &app.base,
        &format!("/ideas/{idea}/photos?csrf={csrf}"),
        &[
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            ),
            ("Cookie", &format!("cx_csrf={csrf}; cx_sid={sid}")),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 413, "{page}");
    assert!(page.contains("文件太大"), "{page}");
    assert!(app.photo_ids(idea).await.is_empty());
}

#[tokio::test]
async fn an_oversized_form_sent_without_a_length_is_refused_for_its_size_not_as_a_forgery() {
    let app = TestApp::spawn().await;
    let csrf = app.csrf().await;
    let mut body = format!("csrf={csrf}&phone=13800000004&password=").into_bytes();
    body.extend(oversized());
    let (status, page) = chunked_post(
        &app.base,
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &format!("cx_csrf={csrf}")),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 413, "{page}");
    assert!(page.contains("文件太大"), "{page}");
}

#[tokio::test]
async fn made_up_ids_in_addresses_are_pages_that_do_not_exist() {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    let shengxing = app.community_id("圣星").await;
    let huge = "99999999999999999999999999";
    let mut wrong = Vec::new();
    let ids = ["abc", "-1", "0", huge, "1.5", "1e3", "%20", "１"];
    for id in ids {
        for path in [
            format!("/org/{id}"),
            format!("/community/{id}/residents"),
            format!("/community/{id}/residents?page=-1"),
        ] {
            let page = app.get(&path).await;
            if page.status != 404 || !page.body.contains("页面不存在") {
                wrong.push(format!("GET {path}: {}", page.status));
            }
        }
        for path in [
            format!("/admin/communities/{id}/rename"),
            format!("/admin/communities/{id}/courtyards"),
            format!("/community/{id}/residents"),
            format!("/community/{shengxing}/residents/{id}/password"),
            format!("/community/{id}/residents/1/password"),
        ] {
            let page = app.post_form(&path, &[("name", "无")]).await;
            if page.status != 404 || !page.body.contains("页面不存在") {
                wrong.push(format!("POST {path}: {}", page.status));
            }
        }
    }
    assert!(wrong.is_empty(), "not a 404 page:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_page_number_out_of_range_is_an_empty_page_not_an_error() {
    let app = TestApp::spawn().await;
    app.login(COORDINATOR, PASSWORD).await;
    let shengxing = app.community_id("圣星").await;
    for page in ["abc", "-1", "99999999999999999999", "100000"] {
        app.get(&format!("/community/{shengxing}/residents?page={page}"))
            .await
            .assert_status(200);
    }
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    for query in [
        "page=18446744073709551615",
        "action=no.such.action",
        "from=2017-02-30&to=yesterday",
        "from=9999-12-31",
    ] {
        let page = admin.get(&format!("/admin/audit?{query}")).await;
        page.assert_status(200);
    }
    admin
        .get("/admin/audit?action=nonsense")
        .await
        .assert_contains("筛选条件有误");
}

#[tokio::test]
async fn an_unknown_address_is_a_friendly_404_in_both_languages() {
    let app = TestApp::spawn().await;
    for path in ["/no-such-page", "/static/nope.css", "/admin/nope", "/me/"] {
        let page = app.get(path).await;
        page.assert_status(404);
        assert!(
            page.content_type
                .as_deref()
                .is_some_and(|t| t.starts_with("text/html")),
            "{path} is a page"
        );
        page.assert_contains("页面不存在");
        page.assert_contains(r#"href="/""#);
    }
    app.get("/lang/en?next=/no-such-page")
        .await
        .assert_redirect("/no-such-page");
    let page = app.get("/no-such-page").await;
    page.assert_status(404);
    page.assert_contains("Page not found");
    page.assert_lacks("页面不存在");
}

#[tokio::test]
async fn a_method_the_route_does_not_have_is_not_a_server_error() {
    let app = TestApp::spawn().await;
    let page = app.post_form("/healthz", &[]).await;
    page.assert_status(405);
    page.assert_contains("页面不存在");
    let response = app
        .client()
        .delete(app.url("/me"))
        .send()
        .await
        .expect("a DELETE");
    assert_eq!(response.status(), 405);
}

/// A control character in a form is refused before any handler reads it (400); should that
/// backstop ever let one through, the form's own check refuses it (422, with its message).
/// Either way never a 500.
#[track_caller]
fn assert_refused(page: &Page, message: &str) {
    match page.status.as_u16() {
        400 => {}
        422 => assert!(
            page.errors().contains(message),
            "expected {message:?}: {}",
            page.errors()
        ),
        _ => page.assert_status(422),
    }
}

/// Text nobody types but a script can send: a NUL byte (which PostgreSQL refuses to store), a
/// right-to-left override that turns a title around, a name of invisible characters. Each is
/// refused with a message in plain words, the same on every engine, and nothing is written.
#[tokio::test]
async fn hidden_characters_in_typed_text_are_refused_on_every_engine_and_nothing_is_written() {
    use chuangxiang_domain::ideas::Status as IdeaStatus;
    use chuangxiang_store::{ideas, proposals, season};
    let app = TestApp::spawn().await;
    let name_hidden = "称呼里有看不见的特殊字符，请重新输入。";
    let accounts = app.account_count().await;

    // Registering needs no login.
    let visitor = app.browser();
    let register = |name: &'static str| {
        let visitor = visitor.clone();
        async move {
            visitor
                .post_form(
                    "/register",
                    &[
                        ("phone", "13912340001"),
                        ("name", name),
                        ("password", PASSWORD),
                    ],
                )
                .await
        }
    };
    assert_refused(&register("王\u{0}阿姨").await, name_hidden);
    assert_refused(&register("王阿姨\u{7}").await, name_hidden);
    for (name, message) in [
        ("\u{202E}王阿姨", name_hidden),
        ("王\u{2066}阿姨", name_hidden),
        ("\u{200B}\u{3164}\u{3000}", "请填写称呼。"),
    ] {
        let page = register(name).await;
        page.assert_status(422);
        assert_eq!(page.errors(), message, "{name:?}");
    }
    assert!(app.account("13912340001").await.is_none());

    // A coordinator opens an account for a resident.
    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    let path = format!("/community/{}/residents", app.community_id("圣星").await);
    let consent_hidden = "同意方式里有看不见的特殊字符，请重新输入。";
    for (name, consent, message) in [
        ("钱\u{0}奶奶", "本人当面同意", name_hidden),
        ("钱奶奶", "本人\u{0}当面同意", consent_hidden),
        ("钱\u{202E}奶奶", "本人当面同意", name_hidden),
        ("钱奶奶", "本人\u{2066}当面同意", consent_hidden),
    ] {
        let page = coordinator
            .post_form(
                &path,
                &[("name", name), ("consent", consent), ("consented", "yes")],
            )
            .await;
        if name.contains('\u{0}') || consent.contains('\u{0}') {
            assert_refused(&page, message);
        } else {
            page.assert_status(422);
            assert_eq!(page.errors(), message, "{name:?} {consent:?}");
        }
    }
    assert_eq!(app.account_count().await, accounts, "no account was opened");

    // A resident submits an idea.
    let resident = app.logged_in(crate::common::RESIDENT, PASSWORD).await;
    let huaxisan = app.community_id("花西三").await.to_string();
    let category = app.idea_categories().await[0].to_string();
    let submitted = app.audit_entries("idea.submitted").await.len();
    let idea = |title: &'static str, place: &'static str| {
        let (resident, huaxisan, category) = (resident.clone(), huaxisan.clone(), category.clone());
        async move {
            resident
                .post_form(
                    "/ideas",
                    &[
                        ("title", title),
                        ("description", "大家商量过，希望社区支持。"),
                        ("place", place),
                        ("category_id", &category),
                        ("community_id", &huaxisan),
                        ("submit_as", "self"),
                        ("confirm", "1"),
                    ],
                )
                .await
        }
    };
    let title_hidden = "标题里有看不见的特殊字符，请重新输入。";
    assert_refused(&idea("楼道\u{0}灯常亮", "").await, title_hidden);
    let page = idea("\u{202E}楼道灯常亮", "3号楼\u{2066}").await;
    page.assert_status(422);
    assert_eq!(
        page.errors(),
        format!("{title_hidden} 地点里有看不见的特殊字符，请重新输入。")
    );
    assert_eq!(app.audit_entries("idea.submitted").await.len(), submitted);

    // In step 4 the resident starts a proposal from an accepted idea of their community.
    app.logged_in(STREET_ADMIN, PASSWORD)
        .await
        .post_form("/admin/season/advance", &[("expected", "3")])
        .await
        .assert_redirect("/admin/season");
    let current = season::current(&app.db, app.street_id().await)
        .await
        .expect("read the season")
        .expect("the demo season");
    let (accepted, _) = ideas::wall(
        &app.db,
        &ideas::WallQuery {
            season_id: current.id,
            community_id: huaxisan.parse().ok(),
            statuses: vec![IdeaStatus::Accepted],
            ..Default::default()
        },
    )
    .await
    .expect("the wall");
    let idea = accepted.first().expect("an accepted idea in 花西三");
    let all = proposals::ListQuery {
        season_id: current.id,
        ..Default::default()
    };
    let before = proposals::list(&app.db, &all).await.expect("list").len();
    let page = resident
        .post_form(
            "/proposals",
            &[
                ("title", "楼道\u{202E}新更微"),
                ("category_id", &idea.category_id.to_string()),
                ("idea", &idea.id.to_string()),
            ],
        )
        .await;
    page.assert_status(422);
    assert_eq!(page.errors(), "提案名称里有看不见的特殊字符，请重新输入。");
    let after = proposals::list(&app.db, &all).await.expect("list").len();
    assert_eq!(after, before, "no proposal was started");

    // A spreadsheet is uploaded, not posted as a form: its rows reach the import's own check.
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let file = "姓名,手机号,社区\n王\u{0}秀红,13912340002,圣星\n李四,13912340003,圣\u{202E}星\n";
    let page = admin
        .upload("/admin/import", "residents", "居民.csv", file.into())
        .await;
    page.assert_status(422);
    page.assert_contains("文件中有 2 处问题，没有导入任何数据。");
    page.assert_contains(name_hidden);
    page.assert_contains("名称里有看不见的特殊字符，请重新输入。");
    assert_eq!(app.account_count().await, accounts, "nothing was imported");
}
