//! Running the service: sessions shared by several server processes, health and metrics.

use crate::common::{Browser, PASSWORD, RESIDENT, TestApp};

#[tokio::test]
async fn a_session_started_on_one_server_works_on_another_on_the_same_database() {
    let mut app = TestApp::spawn().await;
    let second = app.another_instance().await;
    assert_ne!(second, app.base);
    app.login(RESIDENT, PASSWORD).await;
    let sid = app.cookie("cx_sid").expect("logged in on the first server");

    let elsewhere = Browser::new(&second);
    elsewhere.set_cookie("cx_sid", &sid);
    let me = elsewhere.get("/me").await;
    me.assert_status(200);
    me.assert_contains("您好，花西三居民（示例）");

    // Logging out on the second server ends the session on the first too.
    elsewhere
        .post_form("/logout", &[])
        .await
        .assert_redirect("/");
    app.get("/me").await.assert_redirect("/login?next=/me");
}

#[tokio::test]
async fn health_answers_ok_and_metrics_are_prometheus_text() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    health.assert_status(200);
    assert_eq!(health.body, "ok");

    app.get("/").await.assert_status(200);
    app.get("/no-such-page").await.assert_status(404);
    let metrics = app.get("/metrics").await;
    metrics.assert_status(200);
    assert_eq!(
        metrics.content_type.as_deref(),
        Some("text/plain; version=0.0.4")
    );
    // Every line is a comment or `name{labels} value` with a number for the value.
    let sample = regex::Regex::new(
        r#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.e+-]+|\+Inf|NaN)$"#,
    )
    .expect("sample pattern");
    for line in metrics.body.lines() {
        assert!(
            line.starts_with("# HELP ") || line.starts_with("# TYPE ") || sample.is_match(line),
            "not Prometheus text: {line:?}"
        );
    }
    let value = |name: &str| -> f64 {
        metrics
            .body
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no sample {name}"))
    };
    assert!(value(r#"chuangxiang_http_requests_total{status="2xx"}"#) >= 2.0);
    assert!(value(r#"chuangxiang_http_requests_total{status="4xx"}"#) >= 1.0);
    assert!(value("chuangxiang_http_request_duration_seconds_count") >= 3.0);
    metrics.assert_contains("# TYPE chuangxiang_http_request_duration_seconds histogram");
    metrics.assert_contains(r#"chuangxiang_http_request_duration_seconds_bucket{le="+Inf"}"#);
}

#[tokio::test]
async fn health_and_metrics_set_no_cookies_and_need_no_session() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert!(response.headers().get("set-cookie").is_none());
    let response = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert!(response.headers().get("set-cookie").is_none());
}
