//! Street staff export the season's ideas for their own spreadsheets: XLSX, and CSV with a
//! UTF-8 byte-order mark so that Excel opens the Chinese correctly.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::beijing_time;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chuangxiang_domain::policy::Action;
use chuangxiang_store::{ideas, org, season};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/export/{file}", get(export))
}

/// The columns of an ideas export, Chinese headers as offices expect them.
const HEADER: [&str; 10] = [
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

async fn rows(state: &AppState, street_id: i64) -> AppResult<Vec<[String; 10]>> {
    let s = season::current(&state.db, street_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let communities: HashMap<i64, String> = org::communities(&state.db, street_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let categories: HashMap<i64, String> = ideas::categories(&state.db, s.id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let out = ideas::of_season(&state.db, s.id)
        .await?
        .into_iter()
        .map(|i| {
            [
                i.id.to_string(),
                i.title,
                communities
                    .get(&i.community_id)
                    .cloned()
                    .unwrap_or_default(),
                categories.get(&i.category_id).cloned().unwrap_or_default(),
                i.status,
                i.supports.to_string(),
                beijing_time(i.created_at),
                i.paper_form_number.unwrap_or_default(),
                if i.late {
                    "是".to_owned()
                } else {
                    String::new()
                },
                i.description,
            ]
        })
        .collect();
    Ok(out)
}

/// A cell as a spreadsheet should read it: text that starts like a formula is prefixed with
/// an apostrophe, so an idea titled "=HYPERLINK(…)" stays text.
fn defuse(cell: &str) -> String {
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

/// `ideas.csv` or `ideas.xlsx`: every idea of the season, whatever its status.
async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> AppResult<Response> {
    ctx.viewer()?;
    let street_id = ctx.admin_street().ok_or(AppError::Forbidden)?;
    ctx.require(Action::ManageStreet { street_id })?;
    match file.as_str() {
        "ideas.csv" => {
            let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            let write = |w: &mut csv::Writer<Vec<u8>>, row: &[String]| {
                w.write_record(row.iter().map(|c| defuse(c)))
                    .map_err(|e| AppError::Internal(e.to_string()))
            };
            write(&mut writer, &HEADER.map(str::to_owned))?;
            for row in rows(&state, street_id).await? {
                write(&mut writer, &row)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(download(bytes, "text/csv; charset=utf-8", "ideas.csv"))
        }
        "ideas.xlsx" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let xlsx = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
            sheet.set_name("金点子").map_err(xlsx)?;
            for (c, h) in HEADER.iter().enumerate() {
                sheet
                    .write_string(0, u16::try_from(c).unwrap_or(0), *h)
                    .map_err(xlsx)?;
            }
            for (r, row) in rows(&state, street_id).await?.iter().enumerate() {
                let r =
                    u32::try_from(r + 1).map_err(|_| AppError::Internal("too many rows".into()))?;
                for (c, cell) in row.iter().enumerate() {
                    // write_string keeps formulas as text; Excel never evaluates them.
                    sheet
                        .write_string(r, u16::try_from(c).unwrap_or(0), cell)
                        .map_err(xlsx)?;
                }
            }
            let bytes = book.save_to_buffer().map_err(xlsx)?;
            Ok(download(
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "ideas.xlsx",
            ))
        }
        _ => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn a_cell_that_looks_like_a_formula_stays_text() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("萌宠俱乐部"), "萌宠俱乐部");
    }
}
