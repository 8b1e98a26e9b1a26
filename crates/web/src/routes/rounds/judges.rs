//! The jury: adding judges (by phone number, or on the spot with a printed login card), the
//! cards, and logging in with one.

use super::{answered, back, hosted};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Pairs, field, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chuangxiang_domain::account::Phone;
use chuangxiang_domain::rounds::{RoundError, RoundStatus, SheetSource};
use chuangxiang_store::{StoreError, accounts, rounds, sessions};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/rounds/{id}/judges", post(add_judge))
        .route("/admin/rounds/{id}/cards", post(cards))
        .route("/judge/{token}", get(card_login))
}

/// A one-time login token for a card: the token for the QR, its hash for the database.
fn card_token() -> (String, String) {
    let token = sessions::new_token();
    let hash = sessions::digest_hex(&token);
    (token, hash)
}

/// Adds a judge: an account found by phone number, or a new judge account created on the spot
/// by name (who then logs in with a printed card). Whether the judge scores on paper is a
/// separate choice: a judge with a card may still score on a phone.
async fn add_judge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    if r.status != RoundStatus::Setup {
        return Ok(back(r.id, RoundError::NotSetup.message_id()));
    }
    let group = field(&form, "group");
    let Some(g) = r.rules.groups().iter().find(|g| g.key == group) else {
        return Ok(back(r.id, RoundError::UnknownGroup.message_id()));
    };
    // The first group is the public one by the default rules' convention; any group named
    // "public" is.
    let public = g.key == "public";
    let phone = field(&form, "phone").trim();
    let name = field(&form, "name").trim();
    let (account, new_name, hash) = if !phone.is_empty() {
        let found = match Phone::parse(phone) {
            Ok(p) => accounts::by_phone(&state.db, &p).await?,
            Err(_) => None,
        };
        match found {
            Some(a) => (Some(a.id), None, None),
            None => return Ok(back(r.id, "err-round-judge-account")),
        }
    } else {
        match chuangxiang_domain::account::DisplayName::parse(name) {
            Ok(n) => (None, Some(n.as_str().to_owned()), Some(card_token().1)),
            Err(_) => return Ok(back(r.id, "err-round-judge-account")),
        }
    };
    let source = SheetSource::of_paper(!field(&form, "paper").is_empty());
    answered(
        &state,
        r.id,
        rounds::add_judge_scoring_by(
            &state.db,
            r.id,
            r.street_id,
            ctx.viewer()?.account_id,
            rounds::NewJudge {
                account_id: account,
                new_name: new_name.as_deref(),
                group,
                public,
                token_hash: hash,
            },
            source,
        )
        .await,
        "judge-added",
        RoundError::AlreadyJudge,
    )
}

pub struct Card {
    pub name: String,
    pub group: String,
    pub qr: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "rounds/cards.html")]
struct CardsPage {
    t: Tr,
    round: String,
    cards: Vec<Card>,
}

/// Prints login cards for the judges without a phone number. Each card carries a fresh
/// one-time token: printing again makes the earlier cards useless.
async fn cards(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let r = hosted(&state, &ctx, &id).await?;
    let origin = crate::pages::site_origin(&state.settings, &headers);
    let mut out = Vec::new();
    let ids: Vec<i64> = r.judges.iter().map(|j| j.account_id).collect();
    let known = accounts::by_ids(&state.db, &ids).await?;
    for j in &r.judges {
        let Some(account) = known.iter().find(|a| a.id == j.account_id).cloned() else {
            continue;
        };
        if account.phone.is_some() {
            continue;
        }
        let (token, hash) = card_token();
        rounds::renew_login_card(&state.db, r.id, j.account_id, &hash).await?;
        let url = format!("{origin}/judge/{token}");
        let qr = crate::pages::qr_image(&url, 200)?;
        out.push(Card {
            name: account.display_name,
            group: j.group.clone(),
            qr,
            url,
        });
    }
    let mut response = render(&CardsPage {
        t: ctx.tr(),
        round: r.name,
        cards: out,
    })?;
    // The tokens must not linger in a cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A judge scans their card: logged in once, and sent to their scoring page.
async fn card_login(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let judge = match rounds::use_login_card(&state.db, &sessions::digest_hex(&token)).await {
        Ok(j) => j,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    crate::routes::account::logged_in(
        &state,
        judge.account_id,
        &format!("/rounds/{}/judge", judge.round_id),
    )
    .await
}
