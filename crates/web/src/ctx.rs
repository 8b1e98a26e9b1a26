//! Who is asking, in which language, and with which form token: read once per request.
//!
//! The [`context`] middleware reads the cookies, loads the session's account and roles, checks
//! the CSRF token of every POST, and afterwards turns bare error responses into friendly pages.

use crate::error::{AppError, ControlFailure, CsrfFailure, ErrorPage};
use crate::i18n::{Lang, Tr};
use crate::{AppState, pages};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chuangxiang_domain::policy::{self, Action, Actor, Grant};
use chuangxiang_store::{accounts, sessions};

pub const SESSION_COOKIE: &str = "cx_sid";
pub const LANG_COOKIE: &str = "cx_lang";
pub const ELDER_COOKIE: &str = "cx_elder";
pub const CSRF_COOKIE: &str = "cx_csrf";
pub const CSRF_FIELD: &str = "csrf";

/// Largest urlencoded form the middleware reads to find the CSRF token.
const FORM_LIMIT: usize = 256 * 1024;

/// The logged-in person.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub account_id: i64,
    pub name: String,
    pub community_id: Option<i64>,
    pub actor: Actor,
    /// Notifications not yet read, shown beside the menu's link to them.
    pub unread: u64,
}

/// Everything a handler needs to know about the request's reader.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub elder: bool,
    pub csrf: String,
    pub viewer: Option<Viewer>,
    /// Path and query, for "log in and come back here".
    pub here: String,
    /// The client's address (behind a trusted proxy, the one it forwarded).
    pub client: Option<std::net::IpAddr>,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr(self.lang)
    }

    pub fn actor(&self) -> Option<&Actor> {
        self.viewer.as_ref().map(|v| &v.actor)
    }

    /// Asks the policy; the one way handlers check permission.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        policy::decide(self.actor(), action).map_err(AppError::from)
    }

    /// The logged-in viewer, or the login page.
    pub fn viewer(&self) -> Result<&Viewer, AppError> {
        self.viewer.as_ref().ok_or(AppError::NeedLogin)
    }

    /// The street this viewer administers, if any (the first, for a person who has several).
    pub fn admin_street(&self) -> Option<i64> {
        self.actor()?.grants.iter().find_map(|g| match g {
            Grant::StreetAdmin { street_id } => Some(*street_id),
            _ => None,
        })
    }

    pub fn coordinated_communities(&self) -> Vec<i64> {
        self.actor()
            .map(|a| {
                a.grants
                    .iter()
                    .filter_map(|g| match g {
                        Grant::Coordinator { community_id } => Some(*community_id),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn organisations(&self) -> Vec<i64> {
        self.actor()
            .map(|a| {
                a.grants
                    .iter()
                    .filter_map(|g| match g {
                        Grant::SocialWorker { org_id } => Some(*org_id),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("context middleware missing".into()))
    }
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value. Preference cookies last a year; the choice is remembered.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, http_only: bool) -> HeaderValue {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax{http_only}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn load_viewer(state: &AppState, token: &str) -> Result<Option<Viewer>, AppError> {
    let Some(account_id) = sessions::account_of(&state.db, token).await? else {
        return Ok(None);
    };
    let account = match accounts::by_id(&state.db, account_id).await {
        Ok(a) => a,
        Err(chuangxiang_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let grants = accounts::grants(&state.db, account_id).await?;
    let unread = chuangxiang_store::notifications::unread(&state.db, account_id).await?;
    Ok(Some(Viewer {
        account_id,
        name: account.display_name,
        community_id: account.community_id,
        actor: Actor { account_id, grants },
        unread,
    }))
}

/// Finds the CSRF token a POST carries: a header (for scripts), the query string (for file
/// uploads, whose multipart bodies are not read here), or the urlencoded form itself. Returns
/// the request rebuilt with its body, which had to be read.
async fn posted_token(req: Request) -> Result<(Option<String>, Request), AppError> {
    if let Some(v) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Ok((Some(v.to_owned()), req));
    }
    if let Some(q) = req.uri().query()
        && let Some(v) = form_urlencoded_value(q.as_bytes(), CSRF_FIELD)
    {
        return Ok((Some(v), req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    // A form this large is not one of ours: refuse it for its size, not as a forgery.
    let bytes = to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let token = form_urlencoded_value(&bytes, CSRF_FIELD);
    let mut req = Request::from_parts(parts, Body::from(bytes.clone()));
    req.extensions_mut()
        .insert(FormBody(pairs_have_forbidden_control(&bytes)));
    Ok((token, req))
}

fn form_urlencoded_value(input: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(input)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The form token of a logged-in session: derived from the session's own secret, so that it
/// changes at every login and no cookie planted from elsewhere can stand in for it.
pub fn session_csrf(session_token: &str) -> String {
    sessions::digest_hex(&format!("csrf:{session_token}"))
}

/// Whether text from a request holds a control character that no field of ours accepts:
/// anything below U+0020 but tab, line feed and carriage return, DEL, and the C1 range.
/// Such text is refused here, before any handler or database sees it, the same on every
/// engine (PostgreSQL refuses NUL in text with an error of its own).
pub fn has_forbidden_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

fn pairs_have_forbidden_control(input: &[u8]) -> bool {
    form_urlencoded_pairs(input)
        .iter()
        .any(|(k, v)| has_forbidden_control(k) || has_forbidden_control(v))
}

fn form_urlencoded_pairs(input: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(input).unwrap_or_default()
}

/// The per-request middleware described in the module comment.
pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_code)
        .unwrap_or_default();
    let elder = cookie(headers, ELDER_COOKIE) == Some("1");
    let cookie_csrf = cookie(headers, CSRF_COOKIE)
        .filter(|t| is_token(t))
        .map(str::to_owned);
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let token = cookie(headers, SESSION_COOKIE).map(str::to_owned);
    let is_page = !(here.starts_with("/static/") || here == "/healthz" || here == "/metrics");
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|ci| state.settings.client_address(ci.0.ip(), headers));

    let viewer = match (&token, is_page) {
        (Some(t), true) => match load_viewer(&state, t).await {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        },
        _ => None,
    };
    // A logged-in person's token is bound to their session; a visitor's is a random value
    // kept in a cookie until they log in (double submit), enough for the login form.
    let csrf = match (&viewer, &token) {
        (Some(_), Some(t)) => session_csrf(t),
        _ => cookie_csrf.clone().unwrap_or_else(sessions::new_token),
    };
    let ctx = Ctx {
        lang,
        elder,
        csrf: csrf.clone(),
        viewer,
        here: here.clone(),
        client,
    };
    let csrf_cookie_stale = is_page && cookie_csrf.as_deref() != Some(csrf.as_str());
    let with_cookie = |mut response: Response| {
        // A response that starts or ends a session sets the token itself.
        let sets_own = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| {
                c.as_bytes()
                    .starts_with(format!("{CSRF_COOKIE}=").as_bytes())
            });
        if csrf_cookie_stale && !sets_own {
            let max_age = if ctx.viewer.is_some() {
                sessions::LIFETIME_MS / 1000
            } else {
                // A visitor's token lasts a day: long enough for a form left open.
                86_400
            };
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(CSRF_COOKIE, &csrf, max_age, true),
            );
        }
        response
    };

    // `next` is exempt: it is only ever read through `safe_next`, which sends anything odd
    // home, and refusing it would let a crafted link break the login page.
    if req.uri().query().is_some_and(|q| {
        form_urlencoded_pairs(q.as_bytes())
            .iter()
            .any(|(k, v)| k != "next" && (has_forbidden_control(k) || has_forbidden_control(v)))
    }) {
        return with_cookie(finish(&ctx, AppError::ControlCharacters.into_response()));
    }
    let mut req = req;
    if req.method() == Method::POST {
        let (posted, rebuilt) = match posted_token(req).await {
            Ok(x) => x,
            Err(e) => return finish(&ctx, e.into_response()),
        };
        req = rebuilt;
        let ok = posted
            .as_deref()
            .is_some_and(|p| constant_time_eq(csrf.as_bytes(), p.as_bytes()))
            && (ctx.viewer.is_some() || cookie_csrf.is_some());
        if !ok {
            return with_cookie(finish(&ctx, AppError::Csrf.into_response()));
        }
        if req.extensions().get::<FormBody>().is_some_and(|b| b.0) {
            return with_cookie(finish(&ctx, AppError::ControlCharacters.into_response()));
        }
    }
    req.extensions_mut().insert(ctx.clone());
    let response = next.run(req).await;
    with_cookie(finish(&ctx, response))
}

/// Set on a request whose urlencoded body was read here: whether it held forbidden control
/// characters.
#[derive(Clone, Copy)]
struct FormBody(bool);

/// Replaces a bare error response (from a handler, an extractor or the body limit) with the
/// friendly page, and a "log in first" error with a redirect to the login form.
fn finish(ctx: &Ctx, response: Response) -> Response {
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED && response.extensions().get::<ErrorPage>().is_some() {
        let target = format!("/login?next={}", urlencode(&ctx.here));
        return Redirect::to(&target).into_response();
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && response.extensions().get::<ErrorPage>().is_none() {
        return response;
    }
    let csrf = response.extensions().get::<CsrfFailure>().is_some();
    let control = response.extensions().get::<ControlFailure>().is_some();
    // A malformed id or body is, to the reader, a page that does not exist or a form that
    // could not be understood; the status codes stay truthful for machines.
    let mut page = pages::error_page(ctx, status, csrf, control);
    *page.status_mut() = status;
    page
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded_serialize(s)
}

fn form_urlencoded_serialize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub use crate::security::safe_next;
