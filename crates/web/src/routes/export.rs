//! Street staff export the season's ideas and proposals for their own spreadsheets: XLSX, and CSV with a
//! UTF-8 byte-order mark so that Excel opens the Chinese correctly.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::beijing_time;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chuangxiang_domain::policy::Action;
use chuangxiang_domain::proposals::yuan;
use chuangxiang_store::{ideas, org, proposals, season};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/export/{file}", get(export))
}

/// One sheet of an export: Chinese headers, as offices expect them, and typed cells.
struct Sheet {
    name: &'static str,
    header: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

/// A cell as a finance officer needs it: numbers a spreadsheet can sum, times it can sort,
/// labels a person reads; text that looks like a formula stays text.
enum Cell {
    Text(String),
    /// A whole number: an id, a count, a version.
    Int(i64),
    /// An amount in yuan, shown with two decimals and kept exact (`rust_decimal`).
    Money(Decimal),
    /// A quantity: as many decimals as it has.
    Number(Decimal),
    /// A moment, milliseconds since the epoch, shown in Beijing time.
    Time(i64),
}

impl Cell {
    /// The cell as CSV text.
    fn text(&self) -> String {
        match self {
            Cell::Text(t) => spreadsheet_text(t),
            Cell::Int(n) => n.to_string(),
            Cell::Money(d) => yuan(*d),
            Cell::Number(d) => d.normalize().to_string(),
            Cell::Time(ms) => beijing_time(*ms),
        }
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

const IDEA_HEADER: [&str; 10] = [
    "编号",
    "标题",
    "社区",
    "类别",
    "状态",
    "支持数",
    "提交时间",
    "纸质表编号",
    "补录",
    "内容",
];

const PROPOSAL_HEADER: [&str; 13] = [
    "编号",
    "提案名称",
    "社区",
    "类别",
    "状态",
    "预算合计（元）",
    "版本",
    "团队人数",
    "来自金点子",
    "辅导机构",
    "更新时间",
    "目标",
    "方法与活动",
];

const BUDGET_HEADER: [&str; 7] = [
    "提案编号",
    "提案名称",
    "项目",
    "单位",
    "数量",
    "单价（元）",
    "小计（元）",
];

/// The street's communities and the season's categories, by id.
async fn names(
    state: &AppState,
    street_id: i64,
    season_id: i64,
) -> AppResult<(HashMap<i64, String>, HashMap<i64, String>)> {
    let communities = org::communities(&state.db, street_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let categories = ideas::categories(&state.db, season_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok((communities, categories))
}

async fn idea_sheets(
    state: &AppState,
    t: Tr,
    street_id: i64,
    season_id: i64,
) -> AppResult<Vec<Sheet>> {
    let (communities, categories) = names(state, street_id, season_id).await?;
    let rows = ideas::of_season(&state.db, season_id)
        .await?
        .into_iter()
        .map(|i| {
            vec![
                Cell::Int(i.id),
                text(i.title),
                text(
                    communities
                        .get(&i.community_id)
                        .cloned()
                        .unwrap_or_default(),
                ),
                text(categories.get(&i.category_id).cloned().unwrap_or_default()),
                text(t.t(&format!("idea-status-{}", i.status))),
                Cell::Int(i64::from(i.supports)),
                Cell::Time(i.created_at),
                text(i.paper_form_number.unwrap_or_default()),
                text(if i.late { "是" } else { "" }),
                text(i.description),
            ]
        })
        .collect();
    Ok(vec![Sheet {
        name: "金点子",
        header: &IDEA_HEADER,
        rows,
    }])
}

/// The season's proposals, and in a second sheet every budget line, each in exact decimals.
async fn proposal_sheets(
    state: &AppState,
    t: Tr,
    street_id: i64,
    season_id: i64,
) -> AppResult<Vec<Sheet>> {
    let (communities, categories) = names(state, street_id, season_id).await?;
    let coaches: HashMap<i64, i64> = proposals::coaching(&state.db, season_id)
        .await?
        .into_iter()
        .map(|c| (c.community_id, c.organisation_id))
        .collect();
    let organisations: HashMap<i64, String> = org::organisations(&state.db, street_id)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let (mut rows, mut lines) = (Vec::new(), Vec::new());
    for p in proposals::of_season(&state.db, season_id).await? {
        let content = proposals::content_of(&p.content)?;
        let team = proposals::joined(&proposals::team(&state.db, p.id).await?).len();
        let from: Vec<String> = proposals::ideas(&state.db, p.id)
            .await?
            .into_iter()
            .map(|i| i.id.to_string())
            .collect();
        for l in &content.budget {
            lines.push(vec![
                Cell::Int(p.id),
                text(p.title.clone()),
                text(l.item.clone()),
                text(l.unit.clone()),
                Cell::Number(l.quantity),
                Cell::Money(l.unit_price),
                Cell::Money(l.total()),
            ]);
        }
        // The stored total is exact decimal text; one that does not parse is a fault, not 0.
        let total: Decimal = p.budget_total.parse().map_err(|_| {
            AppError::Internal(format!("proposal {}: total {:?}", p.id, p.budget_total))
        })?;
        rows.push(vec![
            Cell::Int(p.id),
            text(p.title),
            text(
                communities
                    .get(&p.community_id)
                    .cloned()
                    .unwrap_or_default(),
            ),
            text(categories.get(&p.category_id).cloned().unwrap_or_default()),
            text(t.t(&format!("proposal-status-{}", p.status))),
            Cell::Money(total),
            Cell::Int(i64::from(p.version)),
            Cell::Int(i64::try_from(team).unwrap_or(i64::MAX)),
            text(from.join("、")),
            text(
                coaches
                    .get(&p.community_id)
                    .and_then(|o| organisations.get(o))
                    .cloned()
                    .unwrap_or_default(),
            ),
            Cell::Time(p.updated_at),
            text(content.goals),
            text(content.methods),
        ]);
    }
    Ok(vec![
        Sheet {
            name: "提案",
            header: &PROPOSAL_HEADER,
            rows,
        },
        Sheet {
            name: "预算明细",
            header: &BUDGET_HEADER,
            rows: lines,
        },
    ])
}

/// A text cell as a spreadsheet should read it: text that starts like a formula is prefixed
/// with an apostrophe, so an idea titled "=HYPERLINK(…)" stays text. Every CSV the site
/// publishes writes its text cells through this (the exports here, a round's files).
pub(crate) fn spreadsheet_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

fn csv_of(sheet: &Sheet) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let csv = |e: csv::Error| AppError::Internal(e.to_string());
    writer.write_record(sheet.header).map_err(csv)?;
    for row in &sheet.rows {
        writer
            .write_record(row.iter().map(Cell::text))
            .map_err(csv)?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn xlsx_of(sheets: &[Sheet]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format};
    let mut book = rust_xlsxwriter::Workbook::new();
    let xlsx = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let money = Format::new().set_num_format("0.00");
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(s.name).map_err(xlsx)?;
        for (c, h) in s.header.iter().enumerate() {
            sheet
                .write_string(0, u16::try_from(c).unwrap_or(0), *h)
                .map_err(xlsx)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| AppError::Internal("too many rows".into()))?;
            for (c, cell) in row.iter().enumerate() {
                let c =
                    u16::try_from(c).map_err(|_| AppError::Internal("too many columns".into()))?;
                match cell {
                    // write_string keeps formulas as text; Excel never evaluates them.
                    Cell::Text(t) => sheet.write_string(r, c, t),
                    // Ids and counts are far below 2^53: exact as spreadsheet numbers.
                    Cell::Int(n) => sheet.write_number(r, c, *n as f64),
                    // A spreadsheet number is a double: an amount of yuan with a few decimals
                    // is held to well under a cent, and shown to the cent.
                    Cell::Money(d) => {
                        sheet.write_number_with_format(r, c, d.to_f64().unwrap_or(0.0), &money)
                    }
                    Cell::Number(d) => sheet.write_number(r, c, d.to_f64().unwrap_or(0.0)),
                    Cell::Time(ms) => {
                        let local = chrono::DateTime::from_timestamp_millis(*ms)
                            .map(|t| (t + chrono::Duration::hours(8)).naive_utc())
                            .ok_or_else(|| AppError::Internal(format!("time {ms}")))?;
                        let at = ExcelDateTime::from_timestamp(local.and_utc().timestamp())
                            .map_err(xlsx)?;
                        sheet.write_datetime_with_format(r, c, at, &when)
                    }
                }
                .map_err(xlsx)?;
            }
        }
    }
    book.save_to_buffer().map_err(xlsx)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `ideas.csv`, `ideas.xlsx`, `proposals.csv` or `proposals.xlsx`: everything of the current
/// season, whatever its status. The proposals workbook has a second sheet of budget lines.
async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> AppResult<Response> {
    ctx.viewer()?;
    let street_id = ctx.admin_street().ok_or(AppError::Forbidden)?;
    ctx.require(Action::ManageStreet { street_id })?;
    let (what, format) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    if !matches!(format, "csv" | "xlsx") {
        return Err(AppError::NotFound);
    }
    let s = season::current(&state.db, street_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sheets = match what {
        "ideas" => idea_sheets(&state, ctx.tr(), street_id, s.id).await?,
        "proposals" => proposal_sheets(&state, ctx.tr(), street_id, s.id).await?,
        _ => return Err(AppError::NotFound),
    };
    Ok(if format == "csv" {
        download(csv_of(&sheets[0])?, "text/csv; charset=utf-8", &file)
    } else {
        download(xlsx_of(&sheets)?, XLSX, &file)
    })
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_text;

    #[test]
    fn a_cell_that_looks_like_a_formula_stays_text() {
        assert_eq!(spreadsheet_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_text("萌宠俱乐部"), "萌宠俱乐部");
    }
}
