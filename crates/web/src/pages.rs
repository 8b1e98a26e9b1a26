//! What every page shares: the layout (header, language and elder-mode switches, the menu a
//! person's roles open) and the friendly error pages.

use crate::ctx::{Ctx, urlencode};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// One entry of the menu.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// The data `base.html` needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub t: Tr,
    pub elder: bool,
    pub csrf: String,
    pub user: Option<String>,
    pub nav: Vec<NavLink>,
    /// The link that switches language and comes back here.
    pub lang_switch: String,
    pub lang_switch_label: String,
    pub elder_switch: String,
}

impl Layout {
    pub fn new(ctx: &Ctx) -> Self {
        let t = ctx.tr();
        let path = ctx.here.split('?').next().unwrap_or("/");
        let mut nav = vec![
            ("/", "nav-home"),
            ("/ideas", "nav-ideas"),
            ("/proposals", "nav-proposals"),
            ("/projects", "nav-projects"),
            ("/communities", "nav-communities"),
            ("/alliance", "nav-alliance"),
        ];
        let mut owned: Vec<(String, &str)> = Vec::new();
        if ctx.viewer.is_some() {
            nav.push(("/me", "nav-me"));
            nav.push(("/notifications", "nav-notifications"));
            for id in ctx.coordinated_communities() {
                owned.push((format!("/community/{id}/residents"), "nav-residents"));
                owned.push((format!("/community/{id}/ideas"), "nav-idea-queue"));
            }
            for id in ctx.organisations() {
                owned.push((format!("/org/{id}"), "nav-organisation"));
            }
            if ctx.admin_street().is_some() {
                owned.push(("/admin".to_owned(), "nav-admin"));
            }
        }
        let nav = nav
            .into_iter()
            .map(|(h, l)| (h.to_owned(), l))
            .chain(owned)
            .map(|(href, label)| NavLink {
                current: href == path || (href != "/" && path.starts_with(&format!("{href}/"))),
                label: match ctx.viewer.as_ref().map(|v| v.unread) {
                    Some(n) if n > 0 && label == "nav-notifications" => {
                        t.t1("nav-notifications-unread", "count", n)
                    }
                    _ => t.t(label),
                },
                href,
            })
            .collect();
        let back = urlencode(&ctx.here);
        Layout {
            t,
            elder: ctx.elder,
            csrf: ctx.csrf.clone(),
            user: ctx.viewer.as_ref().map(|v| v.name.clone()),
            nav,
            lang_switch: format!("/lang/{}?next={back}", ctx.lang.other().code()),
            lang_switch_label: t.t("switch-to-other-language"),
            elder_switch: format!(
                "/elder/{}?next={back}",
                if ctx.elder { "off" } else { "on" }
            ),
        }
    }
}

/// Renders a page template.
pub fn render(page: &impl Template) -> AppResult<Response> {
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    l: Layout,
    code: u16,
    title: String,
    message: String,
}

/// The friendly page for an error status.
pub fn error_page(ctx: &Ctx, status: StatusCode, csrf: bool, control: bool) -> Response {
    let t = ctx.tr();
    let key = match status.as_u16() {
        _ if csrf => "csrf",
        400 if control => "control",
        403 => "403",
        404 | 400 | 405 => "404",
        413 => "413",
        415 | 422 => "422",
        429 => "429",
        503 => "503",
        _ => "500",
    };
    let page = ErrorTemplate {
        l: Layout::new(ctx),
        code: status.as_u16(),
        title: t.t(&format!("error-{key}-title")),
        message: t.t(&format!("error-{key}-message")),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, "error").into_response()
        }
    }
}

/// An id from the URL: anything that is not a positive number is a page that does not exist.
pub fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// Formats milliseconds since the epoch as Beijing time.
pub fn beijing_time(ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    let Some(tz) = FixedOffset::east_opt(8 * 3600) else {
        return ms.to_string();
    };
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A form whose fields repeat (table rows, ticked boxes): every (name, value) pair in order.
pub type Pairs = Vec<(String, String)>;

/// The first value of field `name`, or "".
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Every value of field `name`, in order.
pub fn all_of<'a>(pairs: &'a Pairs, name: &'a str) -> impl Iterator<Item = &'a str> {
    pairs
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The address people's phones will open, for QR codes on posters and cards: the configured
/// public address, or else the request's Host as staff reached this server (when it is a plain
/// host name or address; anything else could point a printed code at another site).
pub fn site_origin(
    settings: &crate::security::Settings,
    headers: &axum::http::HeaderMap,
) -> String {
    if let Some(url) = &settings.public_url {
        return url.clone();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// A QR code of `text` as an `<img>` source: an SVG in a `data:` address. The picture is
/// made here from our own URL, but it still goes through an attribute rather than being
/// written into the page unescaped, so no template needs `|safe`.
pub fn qr_image(text: &str, min_side: u32) -> crate::error::AppResult<String> {
    let svg = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| crate::error::AppError::Internal(format!("qr: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(min_side, min_side)
        .build();
    Ok(format!(
        "data:image/svg+xml,{}",
        crate::ctx::urlencode(&svg)
    ))
}
