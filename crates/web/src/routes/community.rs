//! A coordinator's pages for their community: its residents, accounts made for residents who
//! do not use a phone, and password resets.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Layout, parse_id, render};
use crate::routes::account::hash_off_thread;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chuangxiang_domain::account::{DisplayName, NewPassword, Phone};
use chuangxiang_domain::notify::Message;
use chuangxiang_domain::policy::{Action, CommunityRef};
use chuangxiang_domain::text::{self, TextError};
use chuangxiang_store::{StoreError, accounts, org};
use rand::Rng;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/community/{id}/residents",
            get(residents).post(create_resident),
        )
        .route(
            "/community/{id}/residents/{account}/password",
            get(reset_form).post(reset_password),
        )
}

/// The community in the URL, after asking the policy whether this viewer manages its residents.
async fn managed_community(state: &AppState, ctx: &Ctx, raw: &str) -> AppResult<org::Community> {
    let id = parse_id(raw)?;
    // Logged-out readers are sent to log in before learning whether the community exists.
    ctx.viewer()?;
    let community = org::community(&state.db, id).await?;
    ctx.require(Action::ManageResidents(CommunityRef {
        community_id: community.id,
        street_id: community.street_id,
    }))?;
    Ok(community)
}

pub struct ResidentRow {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub proxy: bool,
    pub can_log_in: bool,
}

#[derive(Template)]
#[template(path = "community/residents.html")]
struct ResidentsPage {
    l: Layout,
    community_id: i64,
    community: String,
    rows: Vec<ResidentRow>,
    total: u64,
    page: u64,
    pages: u64,
    errors: Vec<String>,
    name: String,
    phone: String,
    consent: String,
    /// A password just set, shown once so the coordinator can hand it over.
    new_password: Option<(String, String)>,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

struct Draft {
    errors: Vec<String>,
    name: String,
    phone: String,
    consent: String,
}

async fn residents_page(
    state: &AppState,
    ctx: &Ctx,
    community: org::Community,
    page: u64,
    draft: Draft,
    new_password: Option<(String, String)>,
) -> AppResult<Response> {
    let (accounts, total) = accounts::residents(&state.db, community.id, page).await?;
    let rows = accounts
        .into_iter()
        .map(|a| ResidentRow {
            id: a.id,
            phone: a
                .phone
                .as_deref()
                .and_then(|p| Phone::parse(p).ok())
                .map(|p| p.masked())
                .unwrap_or_default(),
            proxy: a.proxy_consent.is_some(),
            can_log_in: a.password_hash.is_some() && a.phone.is_some(),
            name: a.display_name,
        })
        .collect();
    let failed = !draft.errors.is_empty();
    let r = render(&ResidentsPage {
        l: Layout::new(ctx),
        community_id: community.id,
        community: community.name,
        rows,
        total,
        page,
        pages: total.div_ceil(50),
        errors: draft.errors,
        name: draft.name,
        phone: draft.phone,
        consent: draft.consent,
        new_password,
    })?;
    Ok(if failed {
        let mut r = r;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        r
    } else {
        r
    })
}

async fn residents(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let community = managed_community(&state, &ctx, &id).await?;
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0u64)
        .min(100_000);
    let draft = Draft {
        errors: vec![],
        name: String::new(),
        phone: String::new(),
        consent: String::new(),
    };
    residents_page(&state, &ctx, community, page, draft, None).await
}

#[derive(Deserialize)]
struct ResidentForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    consented: Option<String>,
}

/// A coordinator creates an account for a resident who does not use a phone (or cannot
/// register themself), recording how the resident consented.
async fn create_resident(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ResidentForm>,
) -> AppResult<Response> {
    let community = managed_community(&state, &ctx, &id).await?;
    let t = ctx.tr();
    let mut errors = Vec::new();
    let name = DisplayName::parse(&form.name)
        .map_err(|e| errors.push(t.t(e.message_id())))
        .ok();
    let phone = if form.phone.trim().is_empty() {
        None
    } else {
        match Phone::parse(&form.phone) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(t.t(e.message_id()));
                None
            }
        }
    };
    let consent = text::multi_line(&form.consent);
    match consent {
        Err(TextError::ControlCharacter | TextError::BidiControl) => {
            errors.push(t.t("err-consent-hidden"))
        }
        Err(TextError::Invisible) | Ok("") => errors.push(t.t("err-consent-required")),
        _ if form.consented.is_none() => errors.push(t.t("err-consent-required")),
        Ok(c) if c.chars().count() > 500 => errors.push(t.t("err-consent-too-long")),
        Ok(_) => {}
    }
    let consent = consent.unwrap_or_default();
    if let Some(p) = &phone
        && accounts::phone_registered(&state.db, p).await?
    {
        errors.push(t.t("err-phone-registered"));
    }
    let draft = |errors| Draft {
        errors,
        name: form.name.chars().take(60).collect(),
        phone: form.phone.chars().take(30).collect(),
        consent: form.consent.chars().take(500).collect(),
    };
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return residents_page(&state, &ctx, community, 0, draft(errors), None).await;
    };
    let new = accounts::StaffCreated {
        name: &name,
        phone: phone.as_ref(),
        community_id: community.id,
        street_id: community.street_id,
        consent,
        password_hash: None,
    };
    match accounts::create_by_staff(&state.db, ctx.viewer()?.account_id, new).await {
        Ok(_) => {
            if let Some(p) = &phone {
                state.notifier.send(
                    p.as_str(),
                    &Message::AccountCreated {
                        community: community.name.clone(),
                    },
                );
            }
            Ok(Redirect::to(&format!("/community/{}/residents", community.id)).into_response())
        }
        Err(StoreError::Conflict) => {
            residents_page(
                &state,
                &ctx,
                community,
                0,
                draft(vec![t.t("err-phone-registered")]),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A readable temporary password: no 0/O or 1/l to misread when it is read out loud.
fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[derive(Template)]
#[template(path = "community/reset.html")]
struct ResetPage {
    l: Layout,
    community_id: i64,
    community: String,
    account_id: i64,
    name: String,
    phone: String,
    consent: String,
    errors: Vec<String>,
}

/// The resident whose password is to be set, after asking the policy: a plain resident of
/// this community, never an account holding a role.
async fn resident_to_reset(
    state: &AppState,
    ctx: &Ctx,
    raw_community: &str,
    raw_account: &str,
) -> AppResult<(org::Community, accounts::Account)> {
    let community = managed_community(state, ctx, raw_community).await?;
    let target = accounts::by_id(&state.db, parse_id(raw_account)?).await?;
    if target.community_id != Some(community.id) {
        return Err(AppError::NotFound);
    }
    let holds_roles = !accounts::grants(&state.db, target.id).await?.is_empty();
    ctx.require(Action::ResetResidentPassword {
        community: CommunityRef {
            community_id: community.id,
            street_id: community.street_id,
        },
        target_holds_roles: holds_roles,
    })?;
    Ok((community, target))
}

fn reset_page(
    ctx: &Ctx,
    community: org::Community,
    target: accounts::Account,
    consent: String,
    errors: Vec<String>,
) -> AppResult<Response> {
    let failed = !errors.is_empty();
    let mut r = render(&ResetPage {
        l: Layout::new(ctx),
        community_id: community.id,
        community: community.name,
        account_id: target.id,
        phone: target
            .phone
            .as_deref()
            .and_then(|p| Phone::parse(p).ok())
            .map(|p| p.masked())
            .unwrap_or_default(),
        name: target.display_name,
        consent,
        errors,
    })?;
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// Asks, before a password is replaced, how the resident asked for it.
async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, account)): Path<(String, String)>,
) -> AppResult<Response> {
    let (community, target) = resident_to_reset(&state, &ctx, &id, &account).await?;
    reset_page(&ctx, community, target, String::new(), vec![])
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    consent: String,
    #[serde(default)]
    consented: Option<String>,
}

/// Sets a new temporary password for a resident of the community, at the resident's own
/// request (recorded), ends their sessions and shows the password once.
async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, account)): Path<(String, String)>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    let (community, target) = resident_to_reset(&state, &ctx, &id, &account).await?;
    let t = ctx.tr();
    let checked = chuangxiang_domain::text::multi_line(&form.consent);
    let consent = checked.as_deref().unwrap_or_default();
    let problem = if checked.is_err() && !form.consent.trim().is_empty() {
        Some("err-consent-hidden")
    } else if form.consented.is_none() || consent.is_empty() {
        Some("err-reset-consent-required")
    } else if consent.chars().count() > 500 {
        Some("err-consent-too-long")
    } else {
        None
    };
    if let Some(message) = problem {
        let typed = form.consent.chars().take(500).collect();
        return reset_page(&ctx, community, target, typed, vec![t.t(message)]);
    }
    let password = temporary_password();
    let parsed = NewPassword::parse(&password).map_err(|e| AppError::Internal(e.to_string()))?;
    let hash = hash_off_thread(&state, parsed).await?;
    accounts::reset_password(
        &state.db,
        ctx.viewer()?.account_id,
        community.street_id,
        target.id,
        hash,
        consent,
    )
    .await?;
    if let Some(p) = &target.phone {
        state.notifier.send(p, &Message::PasswordReset);
    }
    let draft = Draft {
        errors: vec![],
        name: String::new(),
        phone: String::new(),
        consent: String::new(),
    };
    residents_page(
        &state,
        &ctx,
        community,
        0,
        draft,
        Some((target.display_name, password)),
    )
    .await
}
