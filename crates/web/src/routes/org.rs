//! A social worker's page for their organisation.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::pages::{Layout, parse_id, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use chuangxiang_domain::policy::{Action, Grant};
use chuangxiang_store::{accounts, org};

pub fn router() -> Router<AppState> {
    Router::new().route("/org/{id}", get(organisation))
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrganisationPage {
    l: Layout,
    name: String,
    kind: String,
    street: String,
    staff: Vec<String>,
}

/// An organisation's page for its own social workers: who works there, in which street.
async fn organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    ctx.require(Action::WorkForOrganisation { org_id: id })?;
    let o = org::organisation(&state.db, id).await?;
    let t = ctx.tr();
    let staff = accounts::holders(&state.db, Grant::SocialWorker { org_id: id })
        .await?
        .into_iter()
        .map(|a| a.display_name)
        .collect();
    render(&OrganisationPage {
        l: Layout::new(&ctx),
        kind: t.t(&format!("org-kind-{}", o.kind)),
        street: org::street(&state.db, o.street_id).await?.name,
        name: o.name,
        staff,
    })
}
