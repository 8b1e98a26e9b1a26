//! Who may open which page: every route of the router, for every role, in one table.
//!
//! The table is checked against the `.route("…", get(…).post(…))` calls in
//! `crates/web/src/routes/`, so a route added there without a row here fails the suite.

use crate::common::{
    Browser, COORDINATOR, PASSWORD, Page, RESIDENT, SOCIAL_WORKER, STREET_ADMIN, TestApp, small_png,
};
use reqwest::header::COOKIE;
use std::collections::BTreeSet;

/// What a role gets from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The page, or the action done (200, or a 303 to somewhere other than the login form).
    Allow,
    /// A 303 to the login form, which comes back here afterwards.
    Login,
    /// The friendly 403 page.
    Forbidden,
    /// The friendly 404 page.
    NotFound,
}
use Outcome::{Allow as A, Forbidden as F, Login as L, NotFound as N};

/// The roles, in the order of the table's columns.
const ROLES: [&str; 5] = [
    "anonymous",
    "resident",
    "coordinator",
    "social_worker",
    "street_admin",
];

enum Body {
    Empty,
    /// Form fields; `{role}` in a value becomes the role's column number, for unique values.
    Form(&'static [(&'static str, &'static str)]),
    /// The import form with a one-community CSV.
    Upload,
    /// An idea's photo form with a small PNG.
    Photo,
}

struct Row {
    method: &'static str,
    /// The route as the router declares it.
    route: &'static str,
    /// The path requested: `{S}` the coordinator's community (圣星), `{O}` another community
    /// (花西三), `{W}` the social worker's organisation, `{X}` another organisation, `{R}` a
    /// resident of 圣星, `{Q}` a resident of 花西三, `{A}` an accepted idea of 圣星, `{P}` the
    /// resident's idea for 花西三 under review, `{P2}` another resident's idea for 圣星 under
    /// review, `{PH}` a photo of `{P}`, `{C}` an idea category.
    path: &'static str,
    body: Body,
    /// anonymous, resident, coordinator, social worker, street admin.
    expect: [Outcome; 5],
}

const fn get(route: &'static str, path: &'static str, expect: [Outcome; 5]) -> Row {
    Row {
        method: "GET",
        route,
        path,
        body: Body::Empty,
        expect,
    }
}

const fn post(route: &'static str, path: &'static str, body: Body, expect: [Outcome; 5]) -> Row {
    Row {
        method: "POST",
        route,
        path,
        body,
        expect,
    }
}

const CALENDAR: &[(&str, &str)] = &[
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

/// A small rubric for the matrix's rounds: one criterion, one expert judge is a quorum.
pub const MATRIX_RULES: &str = "step = 1\n[[criteria]]\nkey = \"x\"\nmax = 10\n[[groups]]\nkey = \"expert\"\nweight = 1\nquorum = 1\n[[groups]]\nkey = \"public\"\nweight = 1\nquorum = 1\n[selection]\nseed = \"matrix\"\n";

const PUBLIC: [Outcome; 5] = [A, A, A, A, A];
const LOGGED_IN: [Outcome; 5] = [L, A, A, A, A];
const STREET: [Outcome; 5] = [L, F, F, F, A];

/// Rows run in this order for each role. Rows that change something come after the rows
/// that read it, and logging out comes last. One row a line, like a table.
#[rustfmt::skip]
fn table() -> Vec<Row> {
    vec![
        // Public pages.                                          anon res coord worker admin
        get("/", "/", PUBLIC),
        get("/communities", "/communities", PUBLIC),
        get("/alliance", "/alliance", PUBLIC),
        get("/lang/{code}", "/lang/en?next=/", PUBLIC),
        get("/lang/{code}", "/lang/klingon", [N, N, N, N, N]),
        get("/elder/{mode}", "/elder/on?next=/", PUBLIC),
        get("/healthz", "/healthz", PUBLIC),
        get("/metrics", "/metrics", PUBLIC),
        get("/static/app.css", "/static/app.css", PUBLIC),
        get("/static/projector.js", "/static/projector.js", PUBLIC),
        get("/static/icon.svg", "/static/icon.svg", PUBLIC),
        get("/favicon.ico", "/favicon.ico", PUBLIC),
        get("/register", "/register", PUBLIC),
        get("/login", "/login", PUBLIC),
        // One's own account.
        get("/me", "/me", LOGGED_IN),
        // The street admin's pages.
        get("/admin", "/admin", STREET),
        get("/admin/communities", "/admin/communities", STREET),
        get("/admin/organisations", "/admin/organisations", STREET),
        get("/admin/import", "/admin/import", STREET),
        get("/admin/season", "/admin/season", STREET),
        get("/admin/roles", "/admin/roles", STREET),
        get("/admin/audit", "/admin/audit", STREET),
        get("/admin/audit", "/admin/audit?action=season.advanced&from=2017-01-01", STREET),
        get("/admin/export/{file}", "/admin/export/ideas.csv", STREET),
        get("/admin/export/{file}", "/admin/export/ideas.xlsx", STREET),
        get("/admin/export/{file}", "/admin/export/proposals.csv", STREET),
        get("/admin/export/{file}", "/admin/export/proposals.xlsx", STREET),
        get("/admin/export/{file}", "/admin/export/proposals.pdf", [L, F, F, F, N]),
        get("/admin/export/{file}", "/admin/export/passwords.txt", [L, F, F, F, N]),
        // A community's residents, idea queue and poster: its coordinator and the street admin.
        get("/community/{id}/residents", "/community/{S}/residents", [L, F, A, F, A]),
        get("/community/{id}/residents", "/community/{O}/residents", [L, F, F, F, A]),
        get("/community/{id}/residents", "/community/999999/residents", [L, N, N, N, N]),
        get("/community/{id}/residents", "/community/abc/residents", [N, N, N, N, N]),
        get("/community/{id}/ideas", "/community/{S}/ideas", [L, F, A, F, A]),
        get("/community/{id}/ideas", "/community/{O}/ideas", [L, F, F, F, A]),
        get("/community/{id}/ideas", "/community/999999/ideas", [L, N, N, N, N]),
        get("/community/{id}/poster", "/community/{S}/poster", [L, F, A, F, A]),
        get("/community/{id}/poster", "/community/{O}/poster", [L, F, F, F, A]),
        get("/community/{id}/poster", "/community/abc/poster", [N, N, N, N, N]),
        // An organisation's page: its own social workers only.
        get("/org/{id}", "/org/{W}", [L, F, F, A, F]),
        get("/org/{id}", "/org/{X}", [L, F, F, F, F]),
        get("/org/{id}", "/org/999999", [L, F, F, F, F]),
        get("/org/{id}", "/org/-3", [N, N, N, N, N]),
        // Golden ideas: the wall and accepted ideas are public; an idea under review is seen
        // by its author and its community's staff.
        get("/ideas", "/ideas", PUBLIC),
        get("/ideas", "/ideas?q=快递柜&sort=supported", PUBLIC),
        get("/ideas/new", "/ideas/new", LOGGED_IN),
        get("/ideas/{id}", "/ideas/{A}", PUBLIC),
        get("/ideas/{id}", "/ideas/{P}", [L, A, F, F, A]),
        get("/ideas/{id}/photos/{photo}", "/ideas/{P}/photos/{PH}", [L, A, F, F, A]),
        get("/ideas/{id}/photos/{photo}/thumb", "/ideas/{P}/photos/{PH}/thumb", [L, A, F, F, A]),
        get("/ideas/{id}/photos/{photo}", "/ideas/{A}/photos/999999", [N, N, N, N, N]),
        get("/ideas/{id}/photos/{photo}/thumb", "/ideas/{A}/photos/abc/thumb", [N, N, N, N, N]),
        get("/ideas/{id}", "/ideas/999999", [N, N, N, N, N]),
        get("/ideas/{id}", "/ideas/abc", [N, N, N, N, N]),
        // Forms anyone may send.
        post("/register", "/register", Body::Form(&[("phone", "1390000000{role}"), ("name", "矩阵{role}"), ("password", "matrix-password")]), PUBLIC),
        post("/login", "/login", Body::Form(&[("phone", "13800000010"), ("password", PASSWORD)]), PUBLIC),
        post("/me/community", "/me/community", Body::Form(&[("community_id", "{O}")]), LOGGED_IN),
        post("/me/password", "/me/password", Body::Form(&[("current", "not-the-password"), ("new", "matrix-password"), ("again", "matrix-password")]), LOGGED_IN),
        post("/ideas", "/ideas", Body::Form(&[("title", "矩阵金点子{role}"), ("description", "在楼下空地放几把长椅。"), ("place", "3号楼前"), ("category_id", "{C}"), ("community_id", "{O}"), ("submit_as", "self"), ("confirm", "1")]), LOGGED_IN),
        // Photos are added by whoever submitted the idea, while it is under review.
        post("/ideas/{id}/photos", "/ideas/{P}/photos", Body::Photo, [L, A, F, F, F]),
        post("/ideas/{id}/photos", "/ideas/{A}/photos", Body::Photo, [L, F, F, F, F]),
        post("/ideas/{id}/support", "/ideas/{A}/support", Body::Empty, LOGGED_IN),
        post("/ideas/{id}/support", "/ideas/{P}/support", Body::Empty, [L, A, F, F, A]),
        // Reviewing ideas: the community's coordinator or the street admin.
        post("/ideas/{id}/review", "/ideas/{P2}/review", Body::Form(&[("decision", "decline"), ("reason", "与已有宣传栏重复")]), [L, F, A, F, A]),
        post("/ideas/{id}/review", "/ideas/{P}/review", Body::Form(&[("decision", "accept")]), [L, F, F, F, A]),
        post("/ideas/{id}/review", "/ideas/999999/review", Body::Form(&[("decision", "accept")]), [N, N, N, N, N]),
        // Proposals: drafts are seen by the team, the coach and the community's and street's
        // staff; shortlisted ones by everyone. {PD} is the resident's draft for 花西三 (coached
        // by {W}), {PS} a neighbour's draft for 圣星 (coached by {W} too), {PL} shortlisted.
        get("/proposals", "/proposals", PUBLIC),
        get("/proposals/new", "/proposals/new?idea={A}", LOGGED_IN),
        get("/proposals/{id}", "/proposals/{PD}", [L, A, F, A, A]),
        get("/proposals/{id}", "/proposals/{PS}", [L, F, A, A, A]),
        get("/proposals/{id}", "/proposals/{PL}", PUBLIC),
        get("/proposals/{id}", "/proposals/999999", [N, N, N, N, N]),
        get("/proposals/{id}", "/proposals/abc", [N, N, N, N, N]),
        get("/proposals/{id}/edit", "/proposals/{PD}/edit", [L, A, F, F, F]),
        get("/proposals/{id}/compare", "/proposals/{PD}/compare", [L, A, F, A, A]),
        get("/proposals/{id}/compare", "/proposals/{PL}/compare?a=1&b=2", PUBLIC),
        get("/proposals/{id}/print", "/proposals/{PD}/print", [L, A, F, A, A]),
        get("/proposals/{id}/print", "/proposals/{PL}/print", PUBLIC),
        post("/proposals", "/proposals", Body::Form(&[("title", "矩阵提案{role}"), ("category_id", "{C}"), ("idea", "{A}")]), LOGGED_IN),
        post("/proposals/{id}", "/proposals/{PD}", Body::Form(&[("base", "1"), ("title", "矩阵修改")]), [L, A, F, F, F]),
        post("/proposals/{id}", "/proposals/{PL}", Body::Form(&[("base", "2"), ("title", "矩阵修改")]), [L, F, F, F, F]),
        post("/proposals/{id}/invite", "/proposals/{PD}/invite", Body::Form(&[("phone", "13800000015")]), [L, A, F, F, F]),
        post("/proposals/{id}/invitation", "/proposals/{PD}/invitation", Body::Form(&[("answer", "accept")]), [L, F, F, F, F]),
        post("/proposals/{id}/notes", "/proposals/{PD}/notes", Body::Form(&[("section", "goals"), ("body", "目标再具体些")]), [L, F, F, A, A]),
        post("/proposals/{id}/notes", "/proposals/{PS}/notes", Body::Form(&[("section", "goals"), ("body", "目标再具体些")]), [L, F, A, A, A]),
        post("/proposals/{id}/sign-off", "/proposals/{PD}/sign-off", Body::Form(&[("version", "1")]), [L, F, F, A, F]),
        post("/proposals/shortlist", "/proposals/shortlist", Body::Empty, STREET),
        // The notification centre: one's own.
        get("/notifications", "/notifications", LOGGED_IN),
        post("/notifications/read", "/notifications/read", Body::Empty, LOGGED_IN),
        // The season's settings.
        get("/admin/season/settings", "/admin/season/settings", STREET),
        post("/admin/season/cap", "/admin/season/cap", Body::Form(&[("cap", "60000")]), STREET),
        post("/admin/season/categories", "/admin/season/categories", Body::Form(&[("id", ""), ("name", "矩阵类别{role}")]), STREET),
        post("/admin/season/coaching", "/admin/season/coaching", Body::Form(&[("community_{O}", "{W}"), ("community_{S}", "{W}")]), STREET),
        // Competition rounds. {RS} is a round being set up, with the resident as a public judge
        // ({J}); {RP} a published one with an objection {OB}.
        get("/admin/rounds", "/admin/rounds", STREET),
        get("/admin/rounds/{id}", "/admin/rounds/{RS}", STREET),
        get("/admin/rounds/{id}", "/admin/rounds/999999", [L, N, N, N, N]),
        get("/judge/{token}", "/judge/0000000000000000000000000000000000000000000000000000000000000000", [N, N, N, N, N]),
        get("/judge/{token}", "/judge/short", [N, N, N, N, N]),
        get("/projects", "/projects", PUBLIC),
        get("/rounds/{id}/projector", "/rounds/{RS}/projector", PUBLIC),
        get("/rounds/{id}/state", "/rounds/{RS}/state", PUBLIC),
        // The live feed never ends, so the table asks it only for a missing round.
        get("/rounds/{id}/events", "/rounds/999999/events", [N, N, N, N, N]),
        get("/rounds/{id}/judge", "/rounds/{RS}/judge", [L, A, F, F, F]),
        get("/rounds/{id}/results", "/rounds/{RS}/results", [L, F, F, F, N]),
        get("/rounds/{id}/results", "/rounds/{RP}/results", PUBLIC),
        get("/rounds/{id}/files/{file}", "/rounds/{RP}/files/results.csv", PUBLIC),
        get("/rounds/{id}/files/{file}", "/rounds/{RP}/files/scores.csv", PUBLIC),
        get("/rounds/{id}/files/{file}", "/rounds/{RS}/files/scores.csv", [L, F, F, F, N]),
        get("/rounds/{id}/files/{file}", "/rounds/{RP}/files/passwd", [N, N, N, N, N]),
        post("/rounds/{id}/sheets", "/rounds/{RS}/sheets", Body::Form(&[("proposal", "{PL}"), ("c_x", "5")]), [L, A, F, F, F]),
        post("/rounds/{id}/conflicts", "/rounds/{RS}/conflicts", Body::Form(&[("proposal", "{PL}")]), [L, A, F, F, F]),
        post("/rounds/{id}/objections", "/rounds/{RP}/objections", Body::Form(&[("body", "请公开评分细则{role}")]), LOGGED_IN),
        post("/admin/rounds", "/admin/rounds", Body::Form(&[("name", "矩阵轮次{role}"), ("proposal", "{PL}"), ("rules", MATRIX_RULES)]), STREET),
        post("/admin/rounds/{id}/rules", "/admin/rounds/{RS}/rules", Body::Form(&[("rules", MATRIX_RULES)]), STREET),
        post("/admin/rounds/{id}/judges", "/admin/rounds/{RS}/judges", Body::Form(&[("group", "expert"), ("name", "矩阵评委{role}"), ("phone", "")]), STREET),
        post("/admin/rounds/{id}/cards", "/admin/rounds/{RS}/cards", Body::Empty, STREET),
        post("/admin/rounds/{id}/recusals", "/admin/rounds/{RS}/recusals", Body::Form(&[("judge", "{J}"), ("proposal", "{PL}")]), STREET),
        post("/admin/rounds/{id}/draw", "/admin/rounds/{RS}/draw", Body::Empty, STREET),
        post("/admin/rounds/{id}/open", "/admin/rounds/{RS}/open", Body::Empty, STREET),
        post("/admin/rounds/{id}/present", "/admin/rounds/{RS}/present", Body::Form(&[("proposal", "{PL}")]), STREET),
        post("/admin/rounds/{id}/paper", "/admin/rounds/{RS}/paper", Body::Form(&[("judge", "{J}"), ("proposal", "{PL}"), ("c_x", "5")]), STREET),
        // {J} was recused from {PL} two rows up, so the paper sheet was refused and there is no
        // sheet to reopen.
        post("/admin/rounds/{id}/reopen", "/admin/rounds/{RS}/reopen", Body::Form(&[("judge", "{J}"), ("proposal", "{PL}"), ("reason", "矩阵重开")]), [L, F, F, F, N]),
        post("/admin/rounds/{id}/close", "/admin/rounds/{RS}/close", Body::Empty, STREET),
        post("/admin/rounds/{id}/publish", "/admin/rounds/{RS}/publish", Body::Form(&[("starts", "2017-01-01"), ("ends", "2017-01-02")]), STREET),
        post("/admin/rounds/{id}/objections/{objection}", "/admin/rounds/{RP}/objections/{OB}", Body::Form(&[("answer", "评分细则已公开")]), STREET),
        post("/admin/rounds/{id}/confirm", "/admin/rounds/{RP}/confirm", Body::Empty, STREET),
        // The street admin's forms.
        post("/admin/communities", "/admin/communities", Body::Form(&[("name", "矩阵社区")]), STREET),
        post("/admin/communities/{id}/rename", "/admin/communities/{O}/rename", Body::Form(&[("name", "花西三（矩阵）")]), STREET),
        post("/admin/communities/{id}/rename", "/admin/communities/999999/rename", Body::Form(&[("name", "不存在")]), [L, F, F, F, N]),
        post("/admin/communities/{id}/courtyards", "/admin/communities/{O}/courtyards", Body::Form(&[("name", "矩阵楼院")]), STREET),
        post("/admin/organisations", "/admin/organisations", Body::Form(&[("name", "矩阵社工站"), ("kind", "social_org")]), STREET),
        post("/admin/import", "/admin/import", Body::Upload, STREET),
        post("/admin/season/advance", "/admin/season/advance", Body::Form(&[("expected", "3")]), STREET),
        post("/admin/season/back", "/admin/season/back", Body::Form(&[("expected", "4"), ("reason", "矩阵测试退回")]), STREET),
        post("/admin/season/calendar", "/admin/season/calendar", Body::Form(CALENDAR), STREET),
        // After every row that needs the 2017 season to be the current one.
        post("/admin/season/open", "/admin/season/open", Body::Form(&[("year", "2018"), ("title", "2018年望京街道社区创享计划")]), STREET),
        post("/admin/roles", "/admin/roles", Body::Form(&[("phone", "13800000012"), ("scope", "coordinator:{O}")]), STREET),
        // A coordinator's forms for their community.
        post("/community/{id}/residents", "/community/{S}/residents", Body::Form(&[("name", "矩阵代开户{role}"), ("consent", "本人当面同意"), ("consented", "yes")]), [L, F, A, F, A]),
        post("/community/{id}/residents", "/community/{O}/residents", Body::Form(&[("name", "矩阵代开户{role}"), ("consent", "本人当面同意"), ("consented", "yes")]), [L, F, F, F, A]),
        get("/community/{id}/residents/{account}/password", "/community/{S}/residents/{R}/password", [L, F, A, F, A]),
        post("/community/{id}/residents/{account}/password", "/community/{S}/residents/{R}/password", Body::Form(&[("consent", "本人当面提出，核对了身份证"), ("consented", "yes")]), [L, F, A, F, A]),
        // {Q} was made a coordinator of 花西三 above: staff are never reset from a community page.
        post("/community/{id}/residents/{account}/password", "/community/{O}/residents/{Q}/password", Body::Form(&[("consent", "本人当面提出"), ("consented", "yes")]), [L, F, F, F, F]),
        post("/community/{id}/residents/{account}/password", "/community/{S}/residents/{Q}/password", Body::Empty, [L, F, N, F, N]),
        post("/community/{id}/residents/{account}/password", "/community/{S}/residents/999999/password", Body::Empty, [L, F, N, F, N]),
        // Last: it ends the session the rows above used.
        post("/logout", "/logout", Body::Empty, PUBLIC),
    ]
}

/// Every `(method, route)` the router declares, read from the route modules' source.
fn declared_routes() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let method = regex::Regex::new(r"(?:^|[^A-Za-z0-9_])(get|post|put|patch|delete|any)\(")
        .expect("method pattern");
    let mut routes = BTreeSet::new();
    // A big area is a folder of modules (`routes/rounds/`), so the reader walks folders too.
    let mut files = Vec::new();
    let mut folders = vec![dir];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("the route modules") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("a route module");
        for unsupported in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !source.contains(unsupported),
                "{} uses {unsupported}; teach declared_routes() to read it",
                file.display()
            );
        }
        for (start, _) in source.match_indices(".route(") {
            let call = balanced_call(&source[start + ".route".len()..]);
            let path = call
                .split('"')
                .nth(1)
                .unwrap_or_else(|| panic!("a path in {call}"));
            let after_path = &call[call.find(path).expect("path") + path.len()..];
            let methods: Vec<_> = method
                .captures_iter(after_path)
                .map(|c| c[1].to_uppercase())
                .collect();
            assert!(!methods.is_empty(), "no method in .route{call}");
            for m in methods {
                routes.insert((m, path.to_owned()));
            }
        }
    }
    routes
}

/// The text of a parenthesised call starting at `s` (which starts with `(`), up to its `)`.
fn balanced_call(s: &str) -> &str {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..=i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced .route( call: {s}")
}

#[test]
fn every_route_of_the_router_has_a_row_in_the_authorisation_table() {
    let declared = declared_routes();
    assert!(
        declared.contains(&("GET".to_owned(), "/admin/audit".to_owned())),
        "the route reader finds routes: {declared:?}"
    );
    let tabled: BTreeSet<(String, String)> = table()
        .iter()
        .map(|r| (r.method.to_owned(), r.route.to_owned()))
        .collect();
    let missing: Vec<_> = declared.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&declared).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a row in the authorisation table: {missing:?}; rows for routes that no longer exist: {stale:?}"
    );
}

struct Ids {
    s: i64,
    o: i64,
    w: i64,
    x: i64,
    r: i64,
    q: i64,
    a: i64,
    p: i64,
    p2: i64,
    c: i64,
    ph: i64,
    pd: i64,
    ps: i64,
    pl: i64,
    rs: i64,
    rp: i64,
    ob: i64,
    j: i64,
}

impl Ids {
    fn fill(&self, text: &str, role: usize) -> String {
        text.replace("{S}", &self.s.to_string())
            .replace("{O}", &self.o.to_string())
            .replace("{W}", &self.w.to_string())
            .replace("{X}", &self.x.to_string())
            .replace("{R}", &self.r.to_string())
            .replace("{Q}", &self.q.to_string())
            .replace("{A}", &self.a.to_string())
            .replace("{P}", &self.p.to_string())
            .replace("{P2}", &self.p2.to_string())
            .replace("{PH}", &self.ph.to_string())
            .replace("{PD}", &self.pd.to_string())
            .replace("{PS}", &self.ps.to_string())
            .replace("{PL}", &self.pl.to_string())
            .replace("{RS}", &self.rs.to_string())
            .replace("{RP}", &self.rp.to_string())
            .replace("{OB}", &self.ob.to_string())
            .replace("{J}", &self.j.to_string())
            .replace("{C}", &self.c.to_string())
            .replace("{role}", &role.to_string())
    }
}

/// The outcome a response stands for, or why it stands for none.
fn outcome(page: &Page) -> Result<Outcome, String> {
    match page.status.as_u16() {
        200 => Ok(A),
        303 => match page.location.as_deref() {
            Some(l) if l.starts_with("/login?next=") => Ok(L),
            Some(_) => Ok(A),
            None => Err("a 303 without a Location".into()),
        },
        403 if page.body.contains("没有权限") => Ok(F),
        404 if page.body.contains("页面不存在") => Ok(N),
        // Let through, and refused by the programme's rules (this step, this form's content):
        // the policy said yes.
        409 | 422 => Ok(A),
        other => Err(format!("status {other}: {}", page.main_text())),
    }
}

#[tokio::test]
async fn every_route_gives_every_role_what_the_programme_allows_and_nothing_more() {
    let app = TestApp::spawn().await;
    let (s, o) = (
        app.community_id("圣星").await,
        app.community_id("花西三").await,
    );
    let c = app.idea_categories().await[0];
    let resident = app.logged_in(RESIDENT, PASSWORD).await;
    let neighbour = app.logged_in("13800000010", PASSWORD).await;
    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    let a = submit_idea(&neighbour, "小区门口增设快递柜", s, c).await;
    coordinator
        .post_form(&format!("/ideas/{a}/review"), &[("decision", "accept")])
        .await
        .assert_redirect(&format!("/ideas/{a}?notice=reviewed"));
    let p = submit_idea(&resident, "楼道加装扶手", o, c).await;
    resident
        .upload_photo(p, small_png())
        .await
        .assert_redirect(&format!("/ideas/{p}?notice=photo-added"));
    let ids = Ids {
        s,
        o,
        w: app.organisation_id("北京惠泽博众社工事务所").await,
        x: app.organisation_id("方舟社工发展中心").await,
        r: app.account_id("13800000011").await,
        q: app.account_id("13800000012").await,
        a,
        p,
        ph: app.photo_ids(p).await[0],
        p2: submit_idea(&neighbour, "垃圾分类宣传栏", s, c).await,
        c,
        pd: draft_proposal(&app, RESIDENT, o, c, a).await,
        ps: draft_proposal(&app, "13800000011", s, c, a).await,
        pl: app.proposal_with_status("shortlisted").await,
        rs: 0,
        rp: 0,
        ob: 0,
        j: app.account_id(RESIDENT).await,
    };
    let (rs, rp, ob) = matrix_rounds(&app, ids.pl, ids.j).await;
    let ids = Ids { rs, rp, ob, ..ids };
    let lives_in = |phone: &'static str| {
        let app = &app;
        async move { app.account(phone).await.and_then(|a| a.community_id) }
    };
    assert_eq!(
        lives_in("13800000011").await,
        Some(ids.s),
        "{{R}} lives in 圣星"
    );
    assert_eq!(
        lives_in("13800000012").await,
        Some(ids.o),
        "{{Q}} lives in 花西三"
    );

    // Each role's cookies, sent as they are with every request: a response's Set-Cookie
    // (a login, a language switch) does not carry over to the next row.
    let anonymous = app.browser();
    anonymous.csrf().await;
    let visitors: Vec<Browser> = vec![
        anonymous,
        resident,
        coordinator,
        app.logged_in(SOCIAL_WORKER, PASSWORD).await,
        app.logged_in(STREET_ADMIN, PASSWORD).await,
    ];
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client without cookies");

    let mut wrong = Vec::new();
    let mut walked = 0;
    for (role, visitor) in visitors.iter().enumerate() {
        let csrf = visitor.cookie("cx_csrf").expect("a csrf cookie");
        let cookies = match visitor.cookie("cx_sid") {
            Some(sid) => format!("cx_csrf={csrf}; cx_sid={sid}"),
            None => format!("cx_csrf={csrf}"),
        };
        for row in table() {
            let path = ids.fill(row.path, role);
            let url = visitor.url(&path);
            let request =
                match (&row.method, &row.body) {
                    (&"GET", _) => plain.get(&url),
                    (_, Body::Empty) => plain.post(&url).form(&[("csrf", csrf.as_str())]),
                    (_, Body::Form(fields)) => {
                        let mut all = vec![("csrf".to_owned(), csrf.clone())];
                        all.extend(
                            fields
                                .iter()
                                .map(|(k, v)| ((*k).to_owned(), ids.fill(v, role))),
                        );
                        plain.post(&url).form(&all)
                    }
                    (_, Body::Upload) => plain.post(format!("{url}?csrf={csrf}")).multipart(
                        crate::common::upload_form(
                            "communities",
                            "communities.csv",
                            "社区\n矩阵导入社区\n".as_bytes().to_vec(),
                        ),
                    ),
                    (_, Body::Photo) => plain
                        .post(format!("{url}?csrf={csrf}"))
                        .multipart(crate::common::photo_form(small_png())),
                };
            let response = request
                .header(COOKIE, &cookies)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{} {path}: {e}", row.method));
            let page = Page::read(response).await;
            let expected = row.expect[role];
            walked += 1;
            match outcome(&page) {
                Ok(got) if got == expected => {}
                Ok(got) => wrong.push(format!(
                    "{} {path} as {}: expected {expected:?}, got {got:?} ({})",
                    row.method, ROLES[role], page.status
                )),
                Err(why) => wrong.push(format!(
                    "{} {path} as {}: expected {expected:?}, got {why}",
                    row.method, ROLES[role]
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {walked} checks failed:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The street admin's rows really did their work.
    assert!(
        app.community_names()
            .await
            .contains(&"矩阵导入社区".to_owned())
    );
    assert_eq!(app.audit_entries("season.moved_back").await.len(), 1);
    assert_eq!(app.audit_entries("season.created").await.len(), 2);
}

/// A round in set-up with `judge` as a public judge, and a published round (notice period from
/// today) with one scored proposal and one objection, both made straight in the store.
async fn matrix_rounds(app: &TestApp, proposal: i64, judge: i64) -> (i64, i64, i64) {
    use chuangxiang_store::rounds;
    let street = app.street_id().await;
    let season = chuangxiang_store::season::current(&app.db, street)
        .await
        .expect("read the season")
        .expect("the demo season");
    let admin = app.account_id(STREET_ADMIN).await;
    let new = |name: &'static str| rounds::NewRound {
        season_id: season.id,
        street_id: street,
        by: admin,
        name,
        rules: MATRIX_RULES,
        seed: "matrix",
        proposal_ids: std::slice::from_ref(&proposal),
    };
    let setup = rounds::create(&app.db, new("矩阵准备轮"))
        .await
        .expect("a round");
    rounds::add_judge(
        &app.db,
        setup,
        street,
        admin,
        rounds::NewJudge {
            account_id: Some(judge),
            new_name: None,
            group: "public",
            public: true,
            token_hash: None,
        },
    )
    .await
    .expect("a judge");
    let published = rounds::create(&app.db, new("矩阵公示轮"))
        .await
        .expect("a round");
    let expert = app.account_id("13800000017").await;
    rounds::add_judge(
        &app.db,
        published,
        street,
        admin,
        rounds::NewJudge {
            account_id: Some(expert),
            new_name: None,
            group: "expert",
            public: false,
            token_hash: None,
        },
    )
    .await
    .expect("a judge");
    rounds::draw(&app.db, published, street, admin, &[proposal])
        .await
        .expect("drawn");
    rounds::open(&app.db, published, street, admin)
        .await
        .expect("open");
    rounds::present(&app.db, published, street, admin, proposal)
        .await
        .expect("on stage");
    rounds::submit_sheet(
        &app.db,
        published,
        street,
        rounds::NewSheet {
            proposal_id: proposal,
            account_id: expert,
            scores_json: r#"{"x":"7"}"#,
            entered_by: expert,
            paper: false,
        },
    )
    .await
    .expect("a sheet");
    rounds::close(&app.db, published, street, admin, "")
        .await
        .expect("closed");
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    rounds::publish(
        &app.db,
        published,
        street,
        admin,
        today,
        today + chrono::Duration::days(7),
    )
    .await
    .expect("published");
    let resident = app.account_id(RESIDENT).await;
    rounds::object(&app.db, published, street, resident, "矩阵异议")
        .await
        .expect("an objection");
    let ob = rounds::objections(&app.db, published)
        .await
        .expect("objections")[0]
        .id;
    (setup, published, ob)
}

/// Starts a draft proposal straight in the store (the season is in step 3, where the web
/// refuses new proposals) and returns its id.
pub async fn draft_proposal(
    app: &TestApp,
    owner: &str,
    community: i64,
    category: i64,
    idea: i64,
) -> i64 {
    let season = chuangxiang_store::season::current(&app.db, app.street_id().await)
        .await
        .expect("read the season")
        .expect("the demo season");
    chuangxiang_store::proposals::create(
        &app.db,
        chuangxiang_store::proposals::NewProposal {
            season_id: season.id,
            street_id: app.street_id().await,
            community_id: community,
            category_id: category,
            owner_id: app.account_id(owner).await,
            title: "矩阵草稿",
            content: &chuangxiang_domain::proposals::Content::default(),
            idea_ids: &[idea],
        },
    )
    .await
    .expect("a draft proposal")
}

/// Submits an idea online and returns its id.
pub async fn submit_idea(visitor: &Browser, title: &str, community: i64, category: i64) -> i64 {
    let page = visitor
        .post_form(
            "/ideas",
            &[
                ("title", title),
                ("description", "大家商量过，希望社区支持。"),
                ("place", ""),
                ("category_id", &category.to_string()),
                ("community_id", &community.to_string()),
                ("submit_as", "self"),
                ("confirm", "1"),
            ],
        )
        .await;
    page.assert_redirect("/ideas/");
    page.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/ideas/"))
        .and_then(|id| id.parse().ok())
        .expect("the new idea's address")
}

#[tokio::test]
async fn a_resident_cannot_open_the_audit_log() {
    let app = TestApp::spawn().await;
    app.login(RESIDENT, PASSWORD).await;
    let page = app.get("/admin/audit").await;
    page.assert_status(403);
    page.assert_contains("没有权限");
    page.assert_lacks("操作日志");
}

#[tokio::test]
async fn each_role_is_offered_the_pages_of_its_role_and_no_others() {
    let app = TestApp::spawn().await;
    let shengxing = app.community_id("圣星").await;
    let huize = app.organisation_id("北京惠泽博众社工事务所").await;
    let residents_link = format!(r#"href="/community/{shengxing}/residents""#);
    let org_link = format!(r#"href="/org/{huize}""#);
    let admin_link = r#"href="/admin""#;
    let menu = |page: Page| -> String {
        page.body
            .split_once("<nav")
            .and_then(|(_, rest)| rest.split_once("</nav>"))
            .map(|(nav, _)| nav.to_owned())
            .expect("a menu")
    };
    let cases = [
        (RESIDENT, [false, false, false]),
        (COORDINATOR, [true, false, false]),
        (SOCIAL_WORKER, [false, true, false]),
        (STREET_ADMIN, [false, false, true]),
    ];
    for (phone, offered) in cases {
        let visitor = app.logged_in(phone, PASSWORD).await;
        let nav = menu(visitor.get("/me").await);
        for (link, expected) in [residents_link.as_str(), org_link.as_str(), admin_link]
            .into_iter()
            .zip(offered)
        {
            assert_eq!(
                nav.contains(link),
                expected,
                "{phone}: menu link {link} offered = {}",
                !expected
            );
        }
    }
    let anonymous = menu(app.get("/").await);
    assert!(!anonymous.contains(r#"href="/me""#));
}
