//! Registering, logging in and out, and a person's own page.

use crate::AppState;
use crate::ctx::{CSRF_COOKIE, Ctx, SESSION_COOKIE, safe_next, session_csrf, set_cookie};
use crate::error::{AppError, AppResult};
use crate::pages::{Layout, render};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chuangxiang_domain::account::{DisplayName, NewPassword, Phone};
use chuangxiang_domain::policy::{Action, Grant};
use chuangxiang_store::{StoreError, accounts, org, sessions};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/register", get(register_form).post(register))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/me/community", post(set_community))
        .route("/me/password", post(change_password))
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Layout,
    phone: String,
    name: String,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RegisterForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn register_form(ctx: Ctx) -> AppResult<Response> {
    // Someone logged in already has an account: their own page is what they are after.
    if ctx.viewer.is_some() {
        return Ok(Redirect::to("/me").into_response());
    }
    render(&RegisterPage {
        l: Layout::new(&ctx),
        phone: String::new(),
        name: String::new(),
        errors: vec![],
    })
}

/// A resident registers with a mobile number, a name and a password, and is logged in.
async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RegisterForm>,
) -> AppResult<Response> {
    let t = ctx.tr();
    let phone = Phone::parse(&form.phone);
    let name = DisplayName::parse(&form.name);
    let password = NewPassword::parse(&form.password);
    let mut errors: Vec<String> = [
        phone.as_ref().err(),
        name.as_ref().err(),
        password.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .map(|e| t.t(e.message_id()))
    .collect();
    let again = |errors: Vec<String>| -> AppResult<Response> {
        let mut r = render(&RegisterPage {
            l: Layout::new(&ctx),
            phone: form.phone.chars().take(30).collect(),
            name: form.name.chars().take(60).collect(),
            errors,
        })?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(r)
    };
    let (Ok(phone), Ok(name), Ok(password)) = (phone, name, password) else {
        return again(errors);
    };
    // "Already registered" tells whether a number has an account, so one address may hear
    // it only a few times in a window; after that it is told to slow down, whatever the number.
    if !state.login_limiter.may_reveal_registered(ctx.client) {
        return Err(AppError::TooMany);
    }
    if accounts::phone_registered(&state.db, &phone).await? {
        state.login_limiter.revealed_registered(ctx.client);
        errors.push(t.t("err-phone-registered"));
        return again(errors);
    }
    let hash = hash_off_thread(&state, password).await?;
    let id = match accounts::register(&state.db, &phone, hash, &name).await {
        Ok(id) => id,
        // Two registrations of one number at the same moment: the second loses here.
        Err(StoreError::Conflict) => return again(vec![t.t("err-phone-registered")]),
        Err(e) => return Err(e.into()),
    };
    logged_in(&state, id, "/me").await
}

/// Hashes a new password on the password threads (busy: 503, try again).
pub async fn hash_off_thread(state: &AppState, password: NewPassword) -> AppResult<String> {
    state
        .passwords
        .run(move |memory| accounts::hash_password_in(&password, memory))
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(AppError::from)
}

pub(crate) async fn logged_in(
    state: &AppState,
    account_id: i64,
    next: &str,
) -> AppResult<Response> {
    let token = sessions::start(&state.db, account_id).await?;
    let mut response = Redirect::to(next).into_response();
    let lifetime = sessions::LIFETIME_MS / 1000;
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, lifetime, true),
    );
    // The form token changes with the session: one learned before logging in is worthless.
    headers.append(
        header::SET_COOKIE,
        set_cookie(CSRF_COOKIE, &session_csrf(&token), lifetime, true),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    phone: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    render(&LoginPage {
        l: Layout::new(&ctx),
        phone: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Logs in. A wrong number and a wrong password get the same answer, in the same time.
async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let t = ctx.tr();
    let next = safe_next(form.next.as_deref());
    let typed: String = form.phone.chars().take(30).collect();
    let key = Phone::parse(&form.phone)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|_| typed.clone());
    let refuse = |message: &str, status: StatusCode| -> AppResult<Response> {
        let mut r = render(&LoginPage {
            l: Layout::new(&ctx),
            phone: typed.clone(),
            next: next.clone(),
            error: Some(t.t(message)),
        })?;
        *r.status_mut() = status;
        Ok(r)
    };
    // The attempt is counted before the password is looked at, so parallel guesses cannot
    // slip past the limit while the first ones are still being hashed.
    let Some(attempt) = state.login_limiter.reserve(&key, ctx.client) else {
        return refuse("login-too-many", StatusCode::TOO_MANY_REQUESTS);
    };
    let account = match Phone::parse(&form.phone) {
        Ok(phone) => accounts::by_phone(&state.db, &phone).await?,
        Err(_) => None,
    };
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let password = form.password;
    let checked = state
        .passwords
        .run(move |memory| accounts::verify_password_in(stored.as_deref(), &password, memory))
        .await;
    match (checked, account) {
        (Err(_), _) => {
            state.login_limiter.release(attempt);
            Err(AppError::Busy)
        }
        (Ok(true), Some(account)) => {
            state.login_limiter.succeeded(attempt);
            logged_in(&state, account.id, &next).await
        }
        _ => {
            state.metrics.login_failed();
            refuse("login-failed", StatusCode::UNAUTHORIZED)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    if let Some(token) = crate::ctx::cookie(&headers, SESSION_COOKIE) {
        sessions::end(&state.db, token).await?;
    }
    let mut response = Redirect::to("/").into_response();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(name, "", 0, true));
    }
    Ok(response)
}

pub struct RoleLink {
    pub label: String,
    pub scope: String,
    pub href: String,
}

pub struct CommunityOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    l: Layout,
    name: String,
    community: Option<String>,
    options: Vec<CommunityOption>,
    roles: Vec<RoleLink>,
    saved: bool,
    /// After a password change: (it worked, the sentence to show).
    password_notice: Option<(bool, String)>,
    ideas: Vec<MyIdea>,
    /// Rounds the person judges: (id, name).
    judging: Vec<(i64, String)>,
}

/// One of the person's own ideas, with where it stands.
pub struct MyIdea {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub reason: Option<String>,
}

#[derive(Deserialize)]
struct MeQuery {
    saved: Option<String>,
    /// The outcome of a password change: `changed`, or the message id of why it was refused.
    password: Option<String>,
}

/// What a password change may answer, as `/me?password=…`.
const PASSWORD_NOTICES: [&str; 6] = [
    "changed",
    "err-password-current",
    "err-password-too-short",
    "err-password-too-long",
    "err-password-hidden",
    "err-password-mismatch",
];

/// A person's own page: their community and what their roles let them do.
async fn me(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeQuery>,
) -> AppResult<Response> {
    ctx.require(Action::ManageOwnAccount)?;
    let viewer = ctx.viewer()?;
    let t = ctx.tr();
    let street = org::first_street(&state.db).await?;
    let all = match &street {
        Some(s) => org::communities(&state.db, s.id).await?,
        None => Vec::new(),
    };
    let community = match viewer.community_id {
        Some(id) => Some(org::community(&state.db, id).await?.name),
        None => None,
    };
    let mut roles = Vec::new();
    for grant in &viewer.actor.grants {
        let (label, scope, href) = match *grant {
            Grant::StreetAdmin { street_id } => (
                "role-street_admin",
                org::street(&state.db, street_id).await?.name,
                "/admin".to_owned(),
            ),
            Grant::Coordinator { community_id } => (
                "role-coordinator",
                org::community(&state.db, community_id).await?.name,
                format!("/community/{community_id}/residents"),
            ),
            Grant::SocialWorker { org_id } => (
                "role-social_worker",
                org::organisation(&state.db, org_id).await?.name,
                format!("/org/{org_id}"),
            ),
        };
        roles.push(RoleLink {
            label: t.t(label),
            scope,
            href,
        });
    }
    render(&MePage {
        l: Layout::new(&ctx),
        name: viewer.name.clone(),
        community,
        options: all
            .into_iter()
            .map(|c| CommunityOption {
                selected: Some(c.id) == viewer.community_id,
                id: c.id,
                name: c.name,
            })
            .collect(),
        roles,
        saved: q.saved.is_some(),
        password_notice: q
            .password
            .as_deref()
            .filter(|n| PASSWORD_NOTICES.contains(n))
            .map(|n| {
                if n == "changed" {
                    (true, t.t("me-password-changed"))
                } else {
                    (false, t.t(n))
                }
            }),
        judging: chuangxiang_store::rounds::judging(&state.db, viewer.account_id)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        ideas: chuangxiang_store::ideas::by_author(&state.db, viewer.account_id)
            .await?
            .into_iter()
            .map(|i| MyIdea {
                status: t.t(&format!("idea-status-{}", i.status)),
                id: i.id,
                title: i.title,
                reason: i.status_reason,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct CommunityForm {
    #[serde(default)]
    community_id: String,
}

/// A resident sets the community they live in.
async fn set_community(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CommunityForm>,
) -> AppResult<Response> {
    ctx.require(Action::ManageOwnAccount)?;
    let viewer = ctx.viewer()?;
    let id: i64 = form
        .community_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    accounts::set_community(&state.db, viewer.account_id, id).await?;
    Ok(Redirect::to("/me?saved=1").into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

/// A person changes their own password (after a coordinator's temporary one, say). The current
/// password is checked under the same limits as a login, so a phone left logged in cannot be
/// used to guess it; every other session of theirs ends.
async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    ctx.require(Action::ManageOwnAccount)?;
    let viewer = ctx.viewer()?;
    let back =
        |notice: &str| Ok(Redirect::to(&format!("/me?password={notice}#password")).into_response());
    let new = match NewPassword::parse(&form.new) {
        Ok(p) => p,
        Err(e) => return back(e.message_id()),
    };
    if form.new != form.again {
        return back("err-password-mismatch");
    }
    let account = accounts::by_id(&state.db, viewer.account_id).await?;
    let key = account
        .phone
        .clone()
        .unwrap_or_else(|| format!("account:{}", account.id));
    let Some(attempt) = state.login_limiter.reserve(&key, ctx.client) else {
        return Err(AppError::TooMany);
    };
    let stored = account.password_hash.clone();
    let current = form.current;
    let checked = state
        .passwords
        .run(move |memory| accounts::verify_password_in(stored.as_deref(), &current, memory))
        .await;
    match checked {
        Err(_) => {
            state.login_limiter.release(attempt);
            return Err(AppError::Busy);
        }
        Ok(false) => return back("err-password-current"),
        Ok(true) => state.login_limiter.succeeded(attempt),
    }
    let hash = hash_off_thread(&state, new).await?;
    let token = crate::ctx::cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    accounts::change_password(&state.db, viewer.account_id, hash, token).await?;
    back("changed")
}
