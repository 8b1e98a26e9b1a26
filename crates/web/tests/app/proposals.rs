//! Proposals through the web (step 4): drafting from ideas, revising into versions, budgets in
//! exact decimals under the season's cap, two people saving at once, coaching notes, the
//! coach's sign-off, the street's shortlist, privacy of drafts, notifications, exports and the
//! season's settings.

use crate::common::{
    Browser, COORDINATOR, PASSWORD, RESIDENT, SOCIAL_WORKER, STREET_ADMIN, TestApp,
};
use chuangxiang_domain::ideas::Status as IdeaStatus;
use chuangxiang_store::{ideas, proposals, season};

/// Moves the suite's season (idea collection) on to proposal drafting.
async fn drafting(app: &TestApp) {
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    admin
        .post_form("/admin/season/advance", &[("expected", "3")])
        .await
        .assert_redirect("/admin/season");
}

/// An accepted idea of the community, and the season's first category.
async fn accepted_idea(app: &TestApp, community: &str) -> (i64, i64) {
    let s = season::current(&app.db, app.street_id().await)
        .await
        .expect("season")
        .expect("the demo season");
    let (rows, _) = ideas::wall(
        &app.db,
        &ideas::WallQuery {
            season_id: s.id,
            community_id: Some(app.community_id(community).await),
            statuses: vec![IdeaStatus::Accepted],
            ..Default::default()
        },
    )
    .await
    .expect("the wall");
    let idea = rows.first().expect("an accepted idea in the community");
    (idea.id, idea.category_id)
}

/// Starts a proposal from an idea of 花西三 as the demo resident; returns its id.
async fn start(app: &TestApp, resident: &Browser, title: &str) -> i64 {
    let (idea, category) = accepted_idea(app, "花西三").await;
    let page = resident
        .post_form(
            "/proposals",
            &[
                ("title", title),
                ("category_id", &category.to_string()),
                ("idea", &idea.to_string()),
            ],
        )
        .await;
    page.assert_redirect("/proposals/");
    page.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/proposals/"))
        .and_then(|rest| rest.strip_suffix("/edit"))
        .and_then(|id| id.parse().ok())
        .expect("the new proposal's edit address")
}

/// A complete five-haves form; `budget` gives (item, unit, quantity, price) rows.
fn full_form<'a>(
    base: &'a str,
    title: &'a str,
    budget: &'a [(&'a str, &'a str, &'a str, &'a str)],
) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("base", base),
        ("title", title),
        ("background", "楼道里堆满杂物，老人出行不便。"),
        ("goals", "三个月内清出 6 个楼门的楼道。"),
        ("methods", "居民议事会定规则，志愿者分组清理。"),
        ("step_date_1", "2017-07-01"),
        ("step_activity_1", "召开议事会"),
        ("step_date_2", "2017-08-01"),
        ("step_activity_2", "集中清理"),
        ("partners", "物业公司"),
        ("resources", "社区活动室"),
        ("risks", "雨天改期"),
        ("beneficiaries", "3 号楼居民"),
        ("sustainability", "楼门长轮值"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (i, (item, unit, q, p)) in budget.iter().enumerate() {
        let n = i + 1;
        f.push((format!("line_item_{n}"), (*item).to_owned()));
        f.push((format!("line_unit_{n}"), (*unit).to_owned()));
        f.push((format!("line_quantity_{n}"), (*q).to_owned()));
        f.push((format!("line_price_{n}"), (*p).to_owned()));
    }
    f
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

const BUDGET: [(&str, &str, &str, &str); 2] = [
    ("油漆", "平方米", "2.5", "33.33"),
    ("垃圾袋", "卷", "10", "3"),
];

#[tokio::test]
async fn a_resident_drafts_a_proposal_from_an_idea_and_each_save_is_a_version_to_compare() {
    let app = TestApp::spawn().await;
    drafting(&app).await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let (idea, _) = accepted_idea(&app, "花西三").await;
    let idea_page = resident.get(&format!("/ideas/{idea}")).await;
    idea_page.assert_contains(&format!("/proposals/new?idea={idea}"));
    resident
        .get(&format!("/proposals/new?idea={idea}"))
        .await
        .assert_contains(&format!(r#"value="{idea}" id="idea-{idea}" checked"#));

    let id = start(&app, &resident, "楼道微更新").await;
    let edit = resident.get(&format!("/proposals/{id}/edit")).await;
    edit.assert_status(200);
    let idea_text = ideas::get(&app.db, idea).await.expect("idea").description;
    edit.assert_contains(&idea_text);
    edit.assert_contains(r#"name="base" value="1""#);

    let form = full_form("1", "楼道微更新", &BUDGET);
    resident
        .post_form(&format!("/proposals/{id}"), &refs(&form))
        .await
        .assert_redirect(&format!("/proposals/{id}?notice=saved"));
    let page = resident.get(&format!("/proposals/{id}")).await;
    // 2.5 × 33.33 = 83.325 exactly; 10 × 3 = 30.00; together 113.325.
    page.assert_contains("83.325");
    page.assert_contains("30.00");
    page.assert_contains("<strong>113.325</strong>");
    page.assert_contains("第 2 版");
    let stored = proposals::get(&app.db, id).await.expect("proposal");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.budget_total, "113.325");
    assert_eq!(
        proposals::versions(&app.db, id)
            .await
            .expect("versions")
            .len(),
        2
    );

    let compare = resident.get(&format!("/proposals/{id}/compare")).await;
    compare.assert_status(200);
    compare.assert_contains(r#"<tr class="changed"><th scope="row">有目标：要达到什么"#);
    compare.assert_contains("三个月内清出 6 个楼门的楼道。");
    // The title did not change between the versions.
    compare.assert_contains(r#"<tr><th scope="row">提案名称</th>"#);
    // An out-of-range version falls back to the latest.
    resident
        .get(&format!("/proposals/{id}/compare?a=0&b=99"))
        .await
        .assert_status(200);

    let print = resident.get(&format!("/proposals/{id}/print")).await;
    print.assert_contains(r#"<body class="print-doc">"#);
    print.assert_contains("提案书");
    print.assert_contains("113.325");
    print.assert_lacks("<nav");
    assert_eq!(app.audit_entries("proposal.created").await.len(), 24 + 1);
    assert!(app.audit_entries("proposal.revised").await.len() >= 2);
}

#[tokio::test]
async fn bad_budget_lines_are_each_reported_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    drafting(&app).await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let id = start(&app, &resident, "预算检查").await;
    let revisions = app.audit_entries("proposal.revised").await.len();
    let bad = [
        ("油漆", "桶", "-2", "10"),
        ("刷子", "把", "两把", "10"),
        ("梯子", "架", "99999999999999", "10"),
        ("胶带", "卷", "1", "abc"),
        ("", "", "1", "1"),
    ];
    let form = full_form("1", "预算检查", &bad);
    let page = resident
        .post_form(&format!("/proposals/{id}"), &refs(&form))
        .await;
    page.assert_status(422);
    let errors = page.errors();
    for expected in [
        "预算第 1 行：数量",
        "预算第 2 行：数量",
        "预算第 3 行：数量",
        "预算第 4 行：单价",
        "预算第 5 行：请填写项目名称",
    ] {
        assert!(errors.contains(expected), "{expected} in {errors}");
    }
    // What was typed comes back to be corrected.
    page.assert_contains(r#"value="两把""#);
    let stored = proposals::get(&app.db, id).await.expect("proposal");
    assert_eq!(stored.version, 1, "nothing was saved");
    assert_eq!(app.audit_entries("proposal.revised").await.len(), revisions);
}

#[tokio::test]
async fn the_season_cap_refuses_a_budget_over_it_and_the_admin_sets_it() {
    let app = TestApp::spawn().await;
    drafting(&app).await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    for bad in ["-5", "0", "abc", "1.001", "１e5"] {
        let page = admin.post_form("/admin/season/cap", &[("cap", bad)]).await;
        page.assert_status(422);
        assert_eq!(page.errors(), "预算上限应是大于 0 的金额，最多两位小数。");
    }
    admin
        .post_form("/admin/season/cap", &[("cap", "113.32")])
        .await
        .assert_redirect("/admin/season/settings?saved=1");
    admin
        .get("/admin/season/settings")
        .await
        .assert_contains(r#"value="113.32""#);

    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let id = start(&app, &resident, "上限检查").await;
    resident
        .get(&format!("/proposals/{id}/edit"))
        .await
        .assert_contains("每个提案的预算上限为 113.32 元。");
    let form = full_form("1", "上限检查", &BUDGET);
    let over = resident
        .post_form(&format!("/proposals/{id}"), &refs(&form))
        .await;
    over.assert_status(422);
    assert_eq!(
        over.errors(),
        "预算合计超过了本届每个提案的预算上限，请调整后再保存。"
    );
    // Lifting the cap lets the same budget through.
    admin
        .post_form("/admin/season/cap", &[("cap", "")])
        .await
        .assert_redirect("/admin/season/settings?saved=1");
    resident
        .post_form(&format!("/proposals/{id}"), &refs(&form))
        .await
        .assert_redirect(&format!("/proposals/{id}?notice=saved"));
    assert_eq!(
        app.audit_entries("season.budget_cap_set").await.len(),
        1 + 2
    );
}

#[tokio::test]
async fn of_two_saves_from_one_version_the_second_is_refused_with_the_others_changes_shown() {
    let app = TestApp::spawn().await;
    drafting(&app).await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let id = start(&app, &resident, "同时编辑").await;
    resident
        .post_form(
            &format!("/proposals/{id}/invite"),
            &[("phone", "13800000015")],
        )
        .await
        .assert_redirect(&format!("/proposals/{id}?notice=invited"));
    let member = app.logged_in("13800000015", PASSWORD).await;
    member
        .post_form(
            &format!("/proposals/{id}/invitation"),
            &[("answer", "accept")],
        )
        .await
        .assert_redirect(&format!("/proposals/{id}?notice=joined"));

    // Both opened version 1.
    let mut mine = full_form("1", "同时编辑", &BUDGET);
    mine.retain(|(k, _)| k != "goals");
    mine.push(("goals".into(), "我的目标：清出楼道".into()));
    let mut theirs = full_form("1", "同时编辑", &BUDGET);
    theirs.retain(|(k, _)| k != "goals");
    theirs.push(("goals".into(), "成员的目标：加装鞋架".into()));
    let path = format!("/proposals/{id}");
    let (mine_fields, theirs_fields) = (refs(&mine), refs(&theirs));
    let (a, b) = tokio::join!(
        resident.post_form(&path, &mine_fields),
        member.post_form(&path, &theirs_fields),
    );
    let statuses = [a.status.as_u16(), b.status.as_u16()];
    assert!(
        statuses.contains(&303) && statuses.contains(&409),
        "one wins, one is told: {statuses:?}"
    );
    let (loser, loser_goal, winner_goal) = if a.status.as_u16() == 409 {
        (&a, "我的目标：清出楼道", "成员的目标：加装鞋架")
    } else {
        (&b, "成员的目标：加装鞋架", "我的目标：清出楼道")
    };
    assert!(loser.errors().contains("别人已经保存了新版本"));
    // The other's change is shown, the loser's own text is kept, and the form now builds on
    // the latest version.
    loser.assert_contains(&format!(r#"<p class="description">{winner_goal}</p>"#));
    loser.assert_contains(&format!(">{loser_goal}</textarea>"));
    loser.assert_contains(r#"name="base" value="2""#);
    let stored = proposals::get(&app.db, id).await.expect("proposal");
    assert_eq!(stored.version, 2);
    assert!(stored.content.contains(winner_goal));
    assert!(!stored.content.contains(loser_goal), "nothing overwritten");

    // Saving again, deliberately, from version 2 succeeds.
    let retry = if a.status.as_u16() == 409 {
        (&resident, mine)
    } else {
        (&member, theirs)
    };
    let mut again = retry.1.clone();
    again.retain(|(k, _)| k != "base");
    again.push(("base".into(), "2".into()));
    retry
        .0
        .post_form(&format!("/proposals/{id}"), &refs(&again))
        .await
        .assert_redirect(&format!("/proposals/{id}?notice=saved"));
    assert_eq!(proposals::get(&app.db, id).await.expect("p").version, 3);
}

#[tokio::test]
async fn a_draft_is_private_to_its_team_coach_and_staff_and_only_the_team_edits_it() {
    let app = TestApp::spawn().await;
    drafting(&app).await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let id = start(&app, &resident, "私密草稿").await;
    let path = format!("/proposals/{id}");
    app.browser()
        .get(&path)
        .await
        .assert_redirect("/login?next=");
    let neighbour = app.logged_in("13800000016", PASSWORD).await;
    neighbour.get(&path).await.assert_status(403);
    let form = full_form("1", "别人的修改", &BUDGET);
    neighbour
        .post_form(&path, &refs(&form))
        .await
        .assert_status(403);
    // 圣星's coordinator is not 花西三's staff; the 惠泽 social worker coaches 花西三.
    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    coordinator.get(&path).await.assert_status(403);
    let worker = app.logged_in(SOCIAL_WORKER, PASSWORD).await;
    worker.get(&path).await.assert_status(200);
    worker
        .post_form(&path, &refs(&form))
        .await
        .assert_status(403);
    let other_coach = app.logged_in("13800000031", PASSWORD).await;
    other_coach.get(&path).await.assert_status(403);
    // Not on any list either.
    neighbour.get("/proposals").await.assert_lacks("私密草稿");
    app.browser()
        .get("/proposals")
        .await
        .assert_lacks("私密草稿");
    assert_eq!(
        proposals::get(&app.db, id).await.expect("p").title,
        "私密草稿"
    );
}

#[tokio::test]
async fn the_coach_notes_and_signs_off_and_the_street_shortlists_which_locks_and_publishes() {
    let app = TestApp::spawn().await;
    drafting(&app).await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let id = start(&app, &resident, "社工辅导").await;
    let shortlisted_before = app.audit_entries("proposal.shortlisted").await.len();
    let path = format!("/proposals/{id}");
    let worker = app.logged_in(SOCIAL_WORKER, PASSWORD).await;
    worker
        .get("/proposals")
        .await
        .assert_contains(&format!(r#"href="/proposals/{id}""#));

    // A note on a section reaches the proposer's notification centre.
    worker
        .post_form(
            &format!("{path}/notes"),
            &[("section", "budget"), ("body", "请补充保险费用 <b>")],
        )
        .await
        .assert_redirect(&format!("{path}?notice=noted"));
    worker
        .post_form(
            &format!("{path}/notes"),
            &[("section", "budget"), ("body", " ")],
        )
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-note"));
    worker
        .post_form(
            &format!("{path}/notes"),
            &[("section", "nonsense"), ("body", "x")],
        )
        .await
        .assert_status(404);
    let page = resident.get(&path).await;
    page.assert_contains("请补充保险费用 &#60;b&#62;");
    let centre = resident.get("/notifications").await;
    centre.assert_contains("社工对提案“社工辅导”提出了辅导意见。");
    resident.get("/").await.assert_contains("通知（");
    resident
        .post_form("/notifications/read", &[])
        .await
        .assert_redirect("/notifications");
    resident.get("/").await.assert_lacks("通知（");

    // Sign-off needs every tick, every section and a team of two.
    let all_ticks: Vec<(&str, &str)> = chuangxiang_domain::proposals::Checklist::KEYS
        .iter()
        .map(|k| (*k, "1"))
        .chain([("version", "1")])
        .collect();
    worker
        .post_form(
            &format!("{path}/sign-off"),
            &[("goals", "1"), ("version", "1")],
        )
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-checklist"));
    worker
        .post_form(&format!("{path}/sign-off"), &all_ticks)
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-sections-missing"));
    resident
        .post_form(&path, &refs(&full_form("1", "社工辅导", &BUDGET)))
        .await
        .assert_redirect(&format!("{path}?notice=saved"));
    let at_v2: Vec<(&str, &str)> = all_ticks
        .iter()
        .map(|(k, v)| (*k, if *k == "version" { "2" } else { *v }))
        .collect();
    worker
        .post_form(&format!("{path}/sign-off"), &at_v2)
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-team-small"));
    resident
        .post_form(&format!("{path}/invite"), &[("phone", "13900000000")])
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-no-account"));
    resident
        .post_form(&format!("{path}/invite"), &[("phone", "13800000014")])
        .await
        .assert_redirect(&format!("{path}?notice=invited"));
    resident
        .post_form(&format!("{path}/invite"), &[("phone", "13800000014")])
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-already-on-team"));
    let member = app.logged_in("13800000014", PASSWORD).await;
    member
        .get("/notifications")
        .await
        .assert_contains("您被邀请加入提案“社工辅导”的团队。");
    member
        .post_form(&format!("{path}/invitation"), &[("answer", "accept")])
        .await
        .assert_redirect(&format!("{path}?notice=joined"));
    // Signing off an older version than the latest is refused.
    worker
        .post_form(&format!("{path}/sign-off"), &all_ticks)
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-conflict"));
    // Only the coaching organisation's social worker signs off.
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    admin
        .post_form(&format!("{path}/sign-off"), &at_v2)
        .await
        .assert_status(403);
    worker
        .post_form(&format!("{path}/sign-off"), &at_v2)
        .await
        .assert_redirect(&format!("{path}?notice=signed-off"));
    resident.get(&path).await.assert_contains("社工已确认");

    // An invitation still open when the proposal is shortlisted can no longer be accepted.
    resident
        .post_form(&format!("{path}/invite"), &[("phone", "13800000017")])
        .await
        .assert_redirect(&format!("{path}?notice=invited"));
    // The street shortlists it: locked for the team, public for everyone.
    let list = admin.get("/proposals").await;
    list.assert_contains(&format!(r#"name="id" value="{id}""#));
    admin
        .post_form("/proposals/shortlist", &[("id", &id.to_string())])
        .await
        .assert_redirect("/proposals?notice=shortlisted:1");
    admin
        .post_form("/proposals/shortlist", &[("id", &id.to_string())])
        .await
        .assert_redirect("/proposals?notice=err-proposal-locked");
    let stored = proposals::get(&app.db, id).await.expect("p");
    assert_eq!(stored.status, "shortlisted");
    resident
        .post_form(&path, &refs(&full_form("2", "入围后修改", &BUDGET)))
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-locked"));
    resident
        .get(&format!("{path}/edit"))
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-locked"));
    worker
        .post_form(
            &format!("{path}/notes"),
            &[("section", "goals"), ("body", "再改改")],
        )
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-locked"));
    assert_eq!(
        proposals::get(&app.db, id).await.expect("p").title,
        "社工辅导"
    );
    app.logged_in("13800000017", PASSWORD)
        .await
        .post_form(&format!("{path}/invitation"), &[("answer", "accept")])
        .await
        .assert_redirect(&format!("{path}?notice=err-proposal-locked"));
    let public = app.browser().get(&path).await;
    public.assert_status(200);
    public.assert_lacks(r#"action="/proposals/"#);
    app.browser()
        .get("/proposals")
        .await
        .assert_contains("社工辅导");
    member
        .get("/notifications")
        .await
        .assert_contains("提案“社工辅导”已入围比赛。");
    assert_eq!(
        app.audit_entries("proposal.shortlisted").await.len(),
        shortlisted_before + 1
    );
}

#[tokio::test]
async fn a_draft_is_not_shortlisted_and_proposals_start_in_step_4_only() {
    let app = TestApp::spawn().await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let (idea, category) = accepted_idea(&app, "花西三").await;
    let early = resident
        .post_form(
            "/proposals",
            &[
                ("title", "太早了"),
                ("category_id", &category.to_string()),
                ("idea", &idea.to_string()),
            ],
        )
        .await;
    early.assert_status(422);
    assert!(early.errors().contains("现在不是“提案撰写优化”阶段"));
    drafting(&app).await;
    // No idea, an idea of another community, an unknown idea.
    let (other, _) = accepted_idea(&app, "圣星").await;
    for ideas in [vec![], vec![idea, other], vec![999_999]] {
        let mut form = vec![
            ("title".to_owned(), "组合".to_owned()),
            ("category_id".to_owned(), category.to_string()),
        ];
        form.extend(ideas.iter().map(|i| ("idea".to_owned(), i.to_string())));
        let page = resident.post_form("/proposals", &refs(&form)).await;
        page.assert_status(422);
    }
    let id = start(&app, &resident, "草稿").await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    admin
        .post_form("/proposals/shortlist", &[("id", &id.to_string())])
        .await
        .assert_redirect("/proposals?notice=err-proposal-not-ready");
    admin
        .post_form("/proposals/shortlist", &[("id", "abc")])
        .await
        .assert_status(404);
    assert_eq!(
        proposals::get(&app.db, id).await.expect("p").status,
        "draft"
    );
}

#[tokio::test]
async fn script_tags_in_every_field_of_a_proposal_are_shown_as_text() {
    let app = TestApp::spawn().await;
    drafting(&app).await;
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let id = start(&app, &resident, "<script>x</script>").await;
    let script = "<script>alert(1)</script>";
    let mut form = full_form("1", script, &[(script, "<i>", "1", "1")]);
    for (k, v) in form.iter_mut() {
        if !matches!(k.as_str(), "base" | "title")
            && !k.starts_with("step_date")
            && !k.starts_with("line_")
        {
            *v = script.to_owned();
        }
    }
    let form: Vec<(String, String)> = form
        .into_iter()
        .filter(|(k, _)| !k.starts_with("line_unit"))
        .chain([("line_unit_1".to_owned(), "<i>".to_owned())])
        .collect();
    let path = format!("/proposals/{id}");
    let title_too_long = resident.post_form(&path, &refs(&form)).await;
    // The script title is 25 characters: within the limit, so the save goes through.
    title_too_long.assert_redirect(&format!("{path}?notice=saved"));
    for page in [
        resident.get(&path).await,
        resident.get(&format!("{path}/print")).await,
        resident.get(&format!("{path}/compare")).await,
        resident.get(&format!("{path}/edit")).await,
    ] {
        page.assert_status(200);
        page.assert_lacks(script);
        page.assert_lacks("<i>");
        page.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");
    }
}

#[tokio::test]
async fn street_staff_export_the_seasons_proposals_with_their_budget_lines() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let csv = admin
        .client()
        .get(admin.url("/admin/export/proposals.csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status().as_u16(), 200);
    let bytes = csv.bytes().await.expect("body");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM");
    let text = String::from_utf8_lossy(&bytes[3..]).into_owned();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("a header").clone();
    assert_eq!(&header[1], "提案名称");
    assert_eq!(&header[5], "预算合计（元）");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 24);
    for row in &rows {
        let id: i64 = row[0].parse().expect("an id");
        let p = proposals::get(&app.db, id).await.expect("the proposal");
        assert_eq!(&row[5], p.budget_total, "the exact total");
        assert!(!row[9].is_empty(), "every demo community has a coach");
    }
    let xlsx = admin
        .client()
        .get(admin.url("/admin/export/proposals.xlsx"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(xlsx.status().as_u16(), 200);
    let bytes = xlsx.bytes().await.expect("body").to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook");
    use calamine::Reader;
    assert_eq!(book.sheet_names(), vec!["提案", "预算明细"]);
    let lines = book.worksheet_range("预算明细").expect("budget lines");
    assert!(lines.height() > 24 * 2, "{} budget lines", lines.height());
    app.logged_in(COORDINATOR, PASSWORD)
        .await
        .get("/admin/export/proposals.csv")
        .await
        .assert_status(403);
}

#[tokio::test]
async fn the_admin_renames_and_adds_categories_and_assigns_coaching() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let first = app.idea_categories().await[0];
    admin
        .post_form(
            "/admin/season/categories",
            &[("id", &first.to_string()), ("name", "环境治理")],
        )
        .await
        .assert_redirect("/admin/season/settings?saved=1");
    admin
        .post_form(
            "/admin/season/categories",
            &[("id", ""), ("name", "儿童友好")],
        )
        .await
        .assert_redirect("/admin/season/settings?saved=1");
    let taken = admin
        .post_form(
            "/admin/season/categories",
            &[("id", ""), ("name", "儿童友好")],
        )
        .await;
    taken.assert_status(422);
    assert_eq!(taken.errors(), "本届已有同名类别。");
    for bad in ["", "二十一个字的类别名称二十一个字的类别名称啊"] {
        admin
            .post_form("/admin/season/categories", &[("id", ""), ("name", bad)])
            .await
            .assert_status(422);
    }
    let settings = admin.get("/admin/season/settings").await;
    settings.assert_contains(r#"value="环境治理""#);
    settings.assert_contains(r#"value="儿童友好""#);
    assert_eq!(app.idea_categories().await.len(), 6);

    // 花西三 goes to 方舟: its social worker now coaches it, 惠泽's no longer does.
    let huaxisan = app.community_id("花西三").await;
    let fangzhou = app.organisation_id("方舟社工发展中心").await;
    admin
        .post_form(
            "/admin/season/coaching",
            &[(&format!("community_{huaxisan}"), &fangzhou.to_string())],
        )
        .await
        .assert_redirect("/admin/season/settings?saved=1");
    let bad = admin
        .post_form(
            "/admin/season/coaching",
            &[(&format!("community_{huaxisan}"), "999999")],
        )
        .await;
    bad.assert_status(422);
    let s = season::current(&app.db, app.street_id().await)
        .await
        .expect("season")
        .expect("the season");
    assert_eq!(
        proposals::coach_of(&app.db, s.id, huaxisan)
            .await
            .expect("coach"),
        Some(fangzhou)
    );
    let (idea, category) = accepted_idea(&app, "花西三").await;
    let demo_draft =
        crate::authorisation::draft_proposal(&app, RESIDENT, huaxisan, category, idea).await;
    let path = format!("/proposals/{demo_draft}");
    app.logged_in("13800000031", PASSWORD)
        .await
        .get(&path)
        .await
        .assert_status(200);
    app.logged_in(SOCIAL_WORKER, PASSWORD)
        .await
        .get(&path)
        .await
        .assert_status(403);
    assert_eq!(app.audit_entries("season.coaching_set").await.len(), 2);
}
