//! The street's shortlist: ready proposals chosen for the competition.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{Pairs, all_of, parse_id};
use crate::routes::ideas::current_season;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use chuangxiang_domain::policy::Action;
use chuangxiang_store::proposals;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/proposals/shortlist", post(shortlist))
}

/// The street admin shortlists ready proposals for the competition.
async fn shortlist(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Pairs>,
) -> AppResult<Response> {
    let (street, s) = current_season(&state).await?;
    ctx.require(Action::ShortlistProposals {
        street_id: street.id,
    })?;
    let mut ids = Vec::new();
    for raw in all_of(&form, "id").take(500) {
        let p = proposals::load(&state.db, parse_id(raw)?).await?;
        if p.season_id != s.id {
            return Err(AppError::NotFound);
        }
        if let Err(e) = p.may_shortlist() {
            return Ok(
                Redirect::to(&format!("/proposals?notice={}", e.message_id())).into_response(),
            );
        }
        ids.push(p.id);
    }
    let changed =
        proposals::shortlist(&state.db, &ids, street.id, ctx.viewer()?.account_id).await?;
    Ok(Redirect::to(&format!("/proposals?notice=shortlisted:{changed}")).into_response())
}
