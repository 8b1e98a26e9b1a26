//! The season's exports as a finance officer opens them in a spreadsheet: ids, counts and money
//! are numbers that sum, times are dates, statuses are words, and text that looks like a formula
//! stays text.

use crate::common::{PASSWORD, STREET_ADMIN, TestApp};
use calamine::{Data, Reader, Xlsx};
use chuangxiang_store::proposals;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

async fn workbook(app: &TestApp, file: &str) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let admin = app.logged_in(STREET_ADMIN, PASSWORD).await;
    let response = admin
        .client()
        .get(admin.url(&format!("/admin/export/{file}")))
        .send()
        .await
        .expect("the export");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("its body").to_vec();
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook")
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("a number was expected, not {other:?}"),
    }
}

#[tokio::test]
async fn proposal_money_is_numbers_that_sum_to_the_exact_totals() {
    let app = TestApp::spawn().await;
    let mut book = workbook(&app, "proposals.xlsx").await;
    let sheet = book.worksheet_range("提案").expect("the proposals sheet");
    let rows: Vec<&[Data]> = sheet.rows().skip(1).collect();
    assert_eq!(rows.len(), 24);
    let mut statuses = std::collections::BTreeSet::new();
    for row in &rows {
        let id = number(&row[0]) as i64;
        let stored = proposals::get(&app.db, id).await.expect("the proposal");
        let total: Decimal = stored.budget_total.parse().expect("an exact total");
        assert_eq!(number(&row[5]), total.to_f64().expect("a float"), "{id}");
        assert!(matches!(row[6], Data::Float(_)), "the version is a number");
        assert!(
            matches!(row[7], Data::Float(_)),
            "the team size is a number"
        );
        assert!(
            matches!(row[10], Data::DateTime(_)),
            "the time is a date: {:?}",
            row[10]
        );
        statuses.insert(row[4].to_string());
    }
    for raw in ["draft", "ready", "shortlisted"] {
        assert!(!statuses.contains(raw), "a raw status key: {statuses:?}");
    }
    assert!(statuses.contains("已入围"), "{statuses:?}");

    // The budget lines add up, per proposal, to its total, to the cent.
    let lines = book.worksheet_range("预算明细").expect("the budget lines");
    let mut sums: std::collections::HashMap<i64, f64> = Default::default();
    for line in lines.rows().skip(1) {
        let (quantity, price, subtotal) = (number(&line[4]), number(&line[5]), number(&line[6]));
        assert!((quantity * price - subtotal).abs() < 0.005, "{line:?}");
        *sums.entry(number(&line[0]) as i64).or_default() += subtotal;
    }
    for row in &rows {
        let id = number(&row[0]) as i64;
        let sum = sums.get(&id).copied().unwrap_or(0.0);
        assert!((sum - number(&row[5])).abs() < 0.005, "proposal {id}");
    }
}

#[tokio::test]
async fn idea_counts_are_numbers_statuses_are_words_and_formulas_stay_text() {
    let app = TestApp::spawn().await;
    let shengxing = app.community_id("圣星").await;
    let category = app.idea_categories().await[0];
    let author = app.logged_in("13800000010", PASSWORD).await;
    let formula = "=HYPERLINK(\"http://x\",\"点我\")";
    crate::authorisation::submit_idea(&author, formula, shengxing, category).await;
    let mut book = workbook(&app, "ideas.xlsx").await;
    let sheet = book.worksheet_range("金点子").expect("the ideas sheet");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("a header")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(header[4], "状态");
    let rows: Vec<&[Data]> = sheet.rows().skip(1).collect();
    assert!(rows.len() > 200);
    for row in &rows {
        assert!(matches!(row[0], Data::Float(_)), "the id is a number");
        assert!(matches!(row[5], Data::Float(_)), "supports are a number");
        assert!(matches!(row[6], Data::DateTime(_)), "the time is a date");
        let status = row[4].to_string();
        assert!(
            ["待审核", "已采纳", "已合并", "未采纳"].contains(&status.as_str()),
            "{status}"
        );
    }
    assert!(
        rows.iter()
            .any(|r| r[1] == Data::String(formula.to_owned())),
        "the formula-looking title is a text cell"
    );
}
