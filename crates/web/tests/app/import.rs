//! Importing a street office's spreadsheet: the whole file is checked first, every bad row
//! is reported with its row number, and nothing is imported while any row is bad.

use crate::common::{COORDINATOR, PASSWORD, Page, STREET_ADMIN, TestApp};
use rust_xlsxwriter::Workbook;

/// A cell of a test spreadsheet: text, or a number as Excel stores a typed phone number.
enum Cell {
    Text(&'static str),
    Number(f64),
}
use Cell::{Number as N, Text as T};

fn xlsx(rows: &[&[Cell]]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r).expect("a small sheet");
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).expect("a narrow sheet");
            match cell {
                T(text) => sheet.write_string(r, c, *text),
                N(number) => sheet.write_number(r, c, *number),
            }
            .expect("write a cell");
        }
    }
    workbook.save_to_buffer().expect("an xlsx file")
}

/// The (row, problem) pairs of the page's problem table.
fn problems(page: &Page) -> Vec<(String, String)> {
    let pattern = regex::Regex::new(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>").expect("pattern");
    pattern
        .captures_iter(&page.body)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect()
}

async fn admin_app() -> TestApp {
    let app = TestApp::spawn().await;
    app.login(STREET_ADMIN, PASSWORD).await;
    app
}

#[tokio::test]
async fn an_xlsx_of_residents_with_broken_rows_reports_every_row_and_imports_nothing() {
    let app = admin_app().await;
    let count = app.account_count().await;
    let file = xlsx(&[
        &[T("姓名"), T("手机号"), T("社区")],
        &[T("赵大爷"), N(13800000020.0), T("圣星")],
        &[T(""), N(13800000021.0), T("圣星")],
        &[T("钱大妈"), T("1380000"), T("花西三")],
        &[T("孙阿姨"), T("138 0000 0020"), T("花西三")],
        &[T("李师傅"), N(13800000022.0), T("火星")],
        &[T("周先生"), T("13800000004"), T("圣星")],
        &[T(""), T(""), T("")],
    ]);
    let page = app
        .upload("/admin/import", "residents", "居民.xlsx", file)
        .await;
    page.assert_status(422);
    page.assert_contains("文件中有 5 处问题，没有导入任何数据。");
    // The kind chosen stays checked, so fixing the file needs no second choice.
    page.assert_contains(r#"value="residents" checked"#);
    let expected = [
        ("3", "请填写称呼。"),
        ("4", "手机号格式不对，应为 11 位数字，以 13–19 开头。"),
        ("5", "与第 2 行重复。"),
        ("6", "本街道没有名为“火星”的社区。"),
        ("7", "该手机号已注册。"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(r, m)| ((*r).to_owned(), (*m).to_owned()))
        .collect();
    assert_eq!(problems(&page), expected);
    assert_eq!(app.account_count().await, count, "nothing was imported");
    assert!(app.account("13800000020").await.is_none());
    assert!(app.audit_entries("import.residents").await.is_empty());
}

#[tokio::test]
async fn a_clean_xlsx_of_residents_is_imported_and_their_coordinator_sees_them() {
    let app = admin_app().await;
    let count = app.account_count().await;
    let file = xlsx(&[
        &[T("居民姓名"), T("手机号码"), T("所属社区")],
        &[T("赵大爷"), N(13800000020.0), T("圣星")],
        &[T("钱大妈"), T("+86 138-0000-0021"), T("圣星")],
    ]);
    let page = app
        .upload("/admin/import", "residents", "居民.xlsx", file)
        .await;
    page.assert_status(200);
    page.assert_contains("已导入 2 位居民。他们需要社区协调人设置密码后才能登录。");
    assert_eq!(app.account_count().await, count + 2);
    let zhao = app.account("13800000020").await.expect("imported");
    assert_eq!(zhao.display_name, "赵大爷");
    assert_eq!(zhao.community_id, Some(app.community_id("圣星").await));
    assert!(zhao.password_hash.is_none(), "no password until one is set");
    assert_eq!(app.audit_entries("import.residents").await.len(), 1);

    let coordinator = app.logged_in(COORDINATOR, PASSWORD).await;
    let shengxing = app.community_id("圣星").await;
    let list = coordinator
        .get(&format!("/community/{shengxing}/residents"))
        .await;
    list.assert_contains("赵大爷");
    list.assert_contains("138****0020");
    list.assert_contains("138****0021");
    list.assert_contains("设置密码");
}

#[tokio::test]
async fn a_gbk_csv_is_read_as_gbk_and_imported() {
    let app = admin_app().await;
    let (residents, _, bad) =
        encoding_rs::GBK.encode("姓名,手机号,社区\r\n吴奶奶,13800000030,南湖西园二区\r\n");
    assert!(!bad, "the text is encodable in GBK");
    let page = app
        .upload(
            "/admin/import",
            "residents",
            "居民名单.csv",
            residents.into_owned(),
        )
        .await;
    page.assert_status(200);
    page.assert_contains("已导入 1 位居民。");
    page.assert_contains("（文件按 GBK 编码读取）");
    let wu = app.account("13800000030").await.expect("imported");
    assert_eq!(wu.display_name, "吴奶奶");

    let (communities, _, _) = encoding_rs::GBK.encode("社区名称\n望京新社区\n阜通东里\n");
    let page = app
        .upload(
            "/admin/import",
            "communities",
            "社区.csv",
            communities.into_owned(),
        )
        .await;
    page.assert_status(200);
    page.assert_contains("已导入 2 个社区。");
    let names = app.community_names().await;
    assert!(names.contains(&"望京新社区".to_owned()) && names.contains(&"阜通东里".to_owned()));
}

#[tokio::test]
async fn a_utf8_csv_of_communities_with_duplicates_is_refused_whole() {
    let app = admin_app().await;
    let before = app.community_names().await;
    let file = "\u{feff}社区\n新社区甲\n新社区甲\n圣星\n新社区乙\n"
        .as_bytes()
        .to_vec();
    let page = app
        .upload("/admin/import", "communities", "c.csv", file)
        .await;
    page.assert_status(422);
    assert_eq!(
        problems(&page),
        vec![
            ("3".to_owned(), "与第 2 行重复。".to_owned()),
            ("4".to_owned(), "该社区已存在。".to_owned()),
        ]
    );
    assert_eq!(app.community_names().await, before);
}

#[tokio::test]
async fn junk_files_are_refused_with_a_clear_reason() {
    let app = admin_app().await;
    let accounts = app.account_count().await;
    let communities = app.community_names().await;
    let jpeg = vec![
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0xff, 0xff,
    ];
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "residents",
            "photo.csv",
            jpeg.clone(),
            "无法识别这个 CSV 文件的编码。请在 Excel 中“另存为”CSV UTF-8 后再上传。",
        ),
        (
            "residents",
            "photo.jpg",
            jpeg,
            "只能导入 .xlsx 或 .csv 文件。",
        ),
        (
            "residents",
            "居民.xlsx",
            b"this is not a spreadsheet".to_vec(),
            "无法读取这个表格文件，请确认它是 Excel（.xlsx）文件。",
        ),
        (
            "communities",
            "broken.xlsx",
            b"PK\x03\x04 but not really a zip".to_vec(),
            "无法读取这个表格文件，请确认它是 Excel（.xlsx）文件。",
        ),
        ("communities", "empty.csv", Vec::new(), "请选择一个文件。"),
        (
            "",
            "c.csv",
            "社区\n新社区\n".as_bytes().to_vec(),
            "请选择要导入的是社区还是居民。",
        ),
    ];
    for (kind, name, bytes, message) in cases {
        let page = app.upload("/admin/import", kind, name, bytes).await;
        page.assert_status(422);
        assert_eq!(page.errors(), message, "{name}");
    }
    let page = app
        .upload(
            "/admin/import",
            "residents",
            "r.csv",
            "姓名\n王\n".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        problems(&page),
        vec![
            ("整个文件".to_owned(), "缺少“手机号”列。".to_owned()),
            ("整个文件".to_owned(), "缺少“社区”列。".to_owned()),
        ]
    );
    assert_eq!(app.account_count().await, accounts);
    assert_eq!(app.community_names().await, communities);
}
