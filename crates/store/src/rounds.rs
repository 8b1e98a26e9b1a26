//! Competition rounds: set-up, judges and recusals, the draw, live score sheets, closing,
//! publication with objections, and confirmation into funded projects. Every change is audited
//! in its own transaction; state changes are conditional updates, so two hosts pressing the same
//! button at once change the round once.

use crate::audit::{self, Entry};
use crate::entity::{
    account, judge, objection, project, proposal, proposal_idea, proposal_member, recusal, round,
    round_proposal, sheet,
};
use crate::{Result, StoreError, now_ms};
use chrono::NaiveDate;
use chuangxiang_domain::audit::AuditAction;
use chuangxiang_domain::competition::Rules;
use chuangxiang_domain::rounds::{
    self, RecusalReason, RoundStatus, SheetSource, automatic_recusal, check_objection_quota,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::Serialize;
use std::collections::HashMap;

pub use judge::Model as Judge;
pub use objection::Model as Objection;
pub use project::Model as Project;
pub use recusal::Model as Recusal;
pub use round::Model as Round;
pub use round_proposal::Model as RoundProposal;
pub use sheet::Model as Sheet;

#[derive(Serialize)]
struct RoundAudit<'a> {
    name: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

async fn record(
    conn: &impl ConnectionTrait,
    by: i64,
    street_id: i64,
    action: AuditAction,
    r: &Round,
    detail: Option<String>,
) -> Result<()> {
    audit::record(
        conn,
        Entry {
            actor_id: Some(by),
            street_id: Some(street_id),
            action,
            subject: format!("round:{}", r.id),
            before: None,
            after: Some(&RoundAudit {
                name: &r.name,
                status: &r.status,
                detail,
            }),
        },
    )
    .await
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Round> {
    round::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// A season's rounds, oldest first.
pub async fn of_season(conn: &impl ConnectionTrait, season_id: i64) -> Result<Vec<Round>> {
    Ok(round::Entity::find()
        .filter(round::Column::SeasonId.eq(season_id))
        .order_by_asc(round::Column::Id)
        .all(conn)
        .await?)
}

/// A new round, checked by the domain.
pub struct NewRound<'a> {
    pub season_id: i64,
    pub street_id: i64,
    pub by: i64,
    pub name: &'a str,
    pub rules: &'a str,
    pub seed: &'a str,
    pub proposal_ids: &'a [i64],
}

/// Opens a round in set-up with its proposals.
pub async fn create(db: &DatabaseConnection, new: NewRound<'_>) -> Result<i64> {
    let NewRound {
        season_id,
        street_id,
        by,
        name,
        rules,
        seed,
        proposal_ids,
    } = new;
    let txn = db.begin().await?;
    let r = round::ActiveModel {
        id: NotSet,
        season_id: Set(season_id),
        name: Set(name.to_owned()),
        status: Set(RoundStatus::Setup.key().to_owned()),
        rules: Set(rules.to_owned()),
        seed: Set(seed.to_owned()),
        drawn: Set(false),
        presenting: Set(None),
        presenting_since: Set(None),
        results: Set(None),
        notice_starts: Set(None),
        notice_ends: Set(None),
        created_at: Set(now_ms()),
        closed_at: Set(None),
        published_at: Set(None),
        confirmed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let mut ids = proposal_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    round_proposal::Entity::insert_many(ids.iter().map(|p| round_proposal::ActiveModel {
        id: NotSet,
        round_id: Set(r.id),
        proposal_id: Set(*p),
        position: Set(None),
    }))
    .exec(&txn)
    .await?;
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundCreated,
        &r,
        Some(format!("proposals:{ids:?}")),
    )
    .await?;
    txn.commit().await?;
    Ok(r.id)
}

/// Changes a round's rules while it is being set up.
pub async fn set_rules(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    rules: &str,
    seed: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    let res = round::Entity::update_many()
        .col_expr(round::Column::Rules, Expr::value(rules))
        .col_expr(round::Column::Seed, Expr::value(seed))
        .col_expr(round::Column::Drawn, Expr::value(false))
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(RoundStatus::Setup.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let r = get(&txn, id).await?;
    record(&txn, by, street_id, AuditAction::RoundRulesSet, &r, None).await?;
    txn.commit().await?;
    Ok(())
}

/// A round's proposals, in running order once drawn.
pub async fn proposals(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<RoundProposal>> {
    let mut rows = round_proposal::Entity::find()
        .filter(round_proposal::Column::RoundId.eq(id))
        .order_by_asc(round_proposal::Column::Id)
        .all(conn)
        .await?;
    rows.sort_by_key(|r| (r.position.unwrap_or(i32::MAX), r.proposal_id));
    Ok(rows)
}

/// Records the drawn running order (proposal ids, first on stage first).
pub async fn draw(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    order: &[i64],
) -> Result<()> {
    let txn = db.begin().await?;
    let res = round::Entity::update_many()
        .col_expr(round::Column::Drawn, Expr::value(true))
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(RoundStatus::Setup.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    for (i, p) in order.iter().enumerate() {
        round_proposal::Entity::update_many()
            .col_expr(
                round_proposal::Column::Position,
                Expr::value(Some(i32::try_from(i + 1).unwrap_or(i32::MAX))),
            )
            .filter(round_proposal::Column::RoundId.eq(id))
            .filter(round_proposal::Column::ProposalId.eq(*p))
            .exec(&txn)
            .await?;
    }
    let r = get(&txn, id).await?;
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundDrawn,
        &r,
        Some(format!("seed:{} order:{order:?}", r.seed)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The rounds a person judges that are being set up or running, for their own page.
pub async fn judging(conn: &impl ConnectionTrait, account_id: i64) -> Result<Vec<Round>> {
    let ids: Vec<i64> = judge::Entity::find()
        .select_only()
        .column(judge::Column::RoundId)
        .filter(judge::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(round::Entity::find()
        .filter(round::Column::Id.is_in(ids))
        .filter(round::Column::Status.is_in([RoundStatus::Setup.key(), RoundStatus::Open.key()]))
        .order_by_asc(round::Column::Id)
        .all(conn)
        .await?)
}

pub async fn judges(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<Judge>> {
    Ok(judge::Entity::find()
        .filter(judge::Column::RoundId.eq(id))
        .order_by_asc(judge::Column::Id)
        .all(conn)
        .await?)
}

/// Creates an account for a judge who has none (no phone: they log in with their card).
pub async fn create_judge_account(conn: &impl ConnectionTrait, name: &str) -> Result<i64> {
    let a = account::ActiveModel {
        id: NotSet,
        phone: Set(None),
        password_hash: Set(None),
        display_name: Set(name.to_owned()),
        community_id: Set(None),
        proxy_consent: Set(None),
        created_by: Set(None),
        created_at: Set(now_ms()),
        demo: Set(false),
    }
    .insert(conn)
    .await?;
    Ok(a.id)
}

/// A new judge: an existing account (`account_id`), or one created on the spot (`new_name`),
/// with the SHA-256 of a login card's token.
pub struct NewJudge<'a> {
    pub account_id: Option<i64>,
    pub new_name: Option<&'a str>,
    pub group: &'a str,
    /// Whether the judge's group is the public one (大众评委), for the automatic recusals.
    pub public: bool,
    pub token_hash: Option<String>,
}

/// Adds a judge who scores on a phone (their own, or one they log in on with a printed card),
/// with the rules' automatic recusals.
pub async fn add_judge(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    new: NewJudge<'_>,
) -> Result<i64> {
    add_judge_scoring_by(db, id, street_id, by, new, SheetSource::Phone).await
}

/// Adds a judge who scores on a phone or on paper, with the rules' automatic recusals.
pub async fn add_judge_scoring_by(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    new: NewJudge<'_>,
    source: SheetSource,
) -> Result<i64> {
    let NewJudge {
        account_id,
        new_name,
        group,
        public,
        token_hash,
    } = new;
    let txn = db.begin().await?;
    let r = get(&txn, id).await?;
    if r.status != RoundStatus::Setup.key() {
        return Err(StoreError::Conflict);
    }
    let account_id = match (account_id, new_name) {
        (Some(a), _) => a,
        (None, Some(name)) => create_judge_account(&txn, name).await?,
        (None, None) => return Err(StoreError::NotFound),
    };
    let home = account::Entity::find_by_id(account_id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?
        .community_id;
    judge::Entity::insert(judge::ActiveModel {
        id: NotSet,
        round_id: Set(id),
        account_id: Set(account_id),
        group_key: Set(group.to_owned()),
        login_token_hash: Set(token_hash),
        created_at: Set(now_ms()),
        paper: Set(source == SheetSource::Paper),
    })
    .exec(&txn)
    .await?;
    let now = now_ms();
    for rp in proposals(&txn, id).await? {
        let p = proposal::Entity::find_by_id(rp.proposal_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let on_team = proposal_member::Entity::find()
            .filter(proposal_member::Column::ProposalId.eq(p.id))
            .filter(proposal_member::Column::AccountId.eq(account_id))
            .filter(proposal_member::Column::Status.ne("invited"))
            .one(&txn)
            .await?
            .is_some();
        if let Some(reason) = automatic_recusal(public, home, p.community_id, on_team) {
            recusal::Entity::insert(recusal::ActiveModel {
                id: NotSet,
                round_id: Set(id),
                account_id: Set(account_id),
                proposal_id: Set(p.id),
                reason: Set(reason.key().to_owned()),
                created_at: Set(now),
            })
            .exec(&txn)
            .await?;
        }
    }
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundJudgeAdded,
        &r,
        Some(format!(
            "account:{account_id} group:{group} scores_on:{}",
            source.key()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(account_id)
}

/// Logs a judge in with a card's token, once: the token is forgotten as it is used, so a
/// photographed card is worthless afterwards. Returns the judge.
pub async fn use_login_card(db: &DatabaseConnection, token_hash: &str) -> Result<Judge> {
    let txn = db.begin().await?;
    let found = judge::Entity::find()
        .filter(judge::Column::LoginTokenHash.eq(token_hash))
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let res = judge::Entity::update_many()
        .col_expr(judge::Column::LoginTokenHash, Expr::value(None::<String>))
        .filter(judge::Column::Id.eq(found.id))
        .filter(judge::Column::LoginTokenHash.eq(token_hash))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::NotFound);
    }
    txn.commit().await?;
    Ok(found)
}

/// Gives a judge a new login card (the old one stops working).
pub async fn renew_login_card(
    db: &DatabaseConnection,
    id: i64,
    account_id: i64,
    token_hash: &str,
) -> Result<()> {
    judge::Entity::update_many()
        .col_expr(judge::Column::LoginTokenHash, Expr::value(Some(token_hash)))
        .filter(judge::Column::RoundId.eq(id))
        .filter(judge::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn recusals(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<Recusal>> {
    Ok(recusal::Entity::find()
        .filter(recusal::Column::RoundId.eq(id))
        .order_by_asc(recusal::Column::Id)
        .all(conn)
        .await?)
}

/// A recusal declared by the judge or added by the admin. A second one is a conflict.
pub async fn add_recusal(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    account_id: i64,
    proposal_id: i64,
    reason: RecusalReason,
) -> Result<()> {
    let txn = db.begin().await?;
    let r = get(&txn, id).await?;
    recusal::Entity::insert(recusal::ActiveModel {
        id: NotSet,
        round_id: Set(id),
        account_id: Set(account_id),
        proposal_id: Set(proposal_id),
        reason: Set(reason.key().to_owned()),
        created_at: Set(now_ms()),
    })
    .exec(&txn)
    .await?;
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundRecusalAdded,
        &r,
        Some(format!(
            "account:{account_id} proposal:{proposal_id} reason:{}",
            reason.key()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a round from one status to the next; `Conflict` if it is not in `from` any more.
async fn advance(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    (from, to, action): (RoundStatus, RoundStatus, AuditAction),
    extra: Vec<(round::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<Round> {
    let txn = db.begin().await?;
    let mut update = round::Entity::update_many()
        .col_expr(round::Column::Status, Expr::value(to.key()))
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(from.key()));
    for (col, value) in extra {
        update = update.col_expr(col, value);
    }
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let r = get(&txn, id).await?;
    record(&txn, by, street_id, action, &r, None).await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn open(db: &DatabaseConnection, id: i64, street_id: i64, by: i64) -> Result<Round> {
    advance(
        db,
        id,
        street_id,
        by,
        (
            RoundStatus::Setup,
            RoundStatus::Open,
            AuditAction::RoundOpened,
        ),
        vec![],
    )
    .await
}

/// Puts a proposal on stage (the round must be open).
pub async fn present(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    proposal_id: i64,
) -> Result<()> {
    let txn = db.begin().await?;
    let res = round::Entity::update_many()
        .col_expr(round::Column::Presenting, Expr::value(Some(proposal_id)))
        .col_expr(round::Column::PresentingSince, Expr::value(Some(now_ms())))
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(RoundStatus::Open.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let r = get(&txn, id).await?;
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundPresenting,
        &r,
        Some(format!("proposal:{proposal_id}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn sheets(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<Sheet>> {
    Ok(sheet::Entity::find()
        .filter(sheet::Column::RoundId.eq(id))
        .order_by_asc(sheet::Column::Id)
        .all(conn)
        .await?)
}

/// A judge's sheet for one proposal, checked by the domain.
pub struct NewSheet<'a> {
    pub proposal_id: i64,
    /// The judge.
    pub account_id: i64,
    /// Criterion key to score, JSON.
    pub scores_json: &'a str,
    /// The judge, or the staff member typing in a paper sheet.
    pub entered_by: i64,
    pub paper: bool,
}

/// A submitted sheet: by the judge, or typed in by staff from the paper sheet of a judge who
/// scores on paper. A second one for the same judge and proposal is a `Conflict` (the unique
/// index decides, so two taps at once store one, and a paper sheet never replaces one
/// submitted). Refused (`Conflict`) once the round is closed: the insert happens only while
/// the round row says open.
pub async fn submit_sheet(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    sheet: NewSheet<'_>,
) -> Result<()> {
    insert_sheet(db, id, street_id, sheet, None).await
}

/// Staff type in a paper sheet for a judge who scores on a phone, with the reason
/// (`domain::rounds::check_paper_entry`); the audit entry names the judge, the proposal and the
/// reason. Otherwise as [`submit_sheet`].
pub async fn submit_paper_sheet_for_phone_judge(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    sheet: NewSheet<'_>,
    reason: &str,
) -> Result<()> {
    let sheet = NewSheet {
        paper: true,
        ..sheet
    };
    insert_sheet(db, id, street_id, sheet, Some(reason)).await
}

async fn insert_sheet(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    sheet: NewSheet<'_>,
    reason: Option<&str>,
) -> Result<()> {
    let NewSheet {
        proposal_id,
        account_id,
        scores_json,
        entered_by,
        paper,
    } = sheet;
    let txn = db.begin().await?;
    // Take the round's row first: closing waits for this sheet, or this sheet sees it closed.
    let res = round::Entity::update_many()
        .col_expr(round::Column::Status, Expr::col(round::Column::Status))
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(RoundStatus::Open.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    sheet::Entity::insert(sheet::ActiveModel {
        id: NotSet,
        round_id: Set(id),
        proposal_id: Set(proposal_id),
        account_id: Set(account_id),
        scores: Set(scores_json.to_owned()),
        entered_by: Set(entered_by),
        paper: Set(paper),
        created_at: Set(now_ms()),
    })
    .exec(&txn)
    .await?;
    if paper {
        let r = get(&txn, id).await?;
        let detail = format!("proposal:{proposal_id} judge:{account_id} scores:{scores_json}");
        let (action, detail) = match reason {
            Some(reason) => (
                AuditAction::RoundPaperSheetForPhoneJudge,
                format!("{detail} reason:{reason}"),
            ),
            None => (AuditAction::RoundPaperSheet, detail),
        };
        record(&txn, entered_by, street_id, action, &r, Some(detail)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The host reopens a judge's sheet: it is removed (its scores kept in the audit entry) so the
/// judge can submit again.
pub async fn reopen_sheet(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    proposal_id: i64,
    account_id: i64,
    reason: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    let r = get(&txn, id).await?;
    if r.status != RoundStatus::Open.key() {
        return Err(StoreError::Conflict);
    }
    let found = sheet::Entity::find()
        .filter(sheet::Column::RoundId.eq(id))
        .filter(sheet::Column::ProposalId.eq(proposal_id))
        .filter(sheet::Column::AccountId.eq(account_id))
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    sheet::Entity::delete_by_id(found.id).exec(&txn).await?;
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundSheetReopened,
        &r,
        Some(format!(
            "proposal:{proposal_id} judge:{account_id} scores:{} reason:{reason}",
            found.scores
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Closes the round with its computed results.csv.
pub async fn close(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    results_csv: &str,
) -> Result<Round> {
    advance(
        db,
        id,
        street_id,
        by,
        (
            RoundStatus::Open,
            RoundStatus::Closed,
            AuditAction::RoundClosed,
        ),
        vec![
            (round::Column::Results, Expr::value(Some(results_csv))),
            (round::Column::ClosedAt, Expr::value(Some(now_ms()))),
            (round::Column::Presenting, Expr::value(None::<i64>)),
        ],
    )
    .await
}

/// Publishes the result for its notice period.
pub async fn publish(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    starts: NaiveDate,
    ends: NaiveDate,
) -> Result<Round> {
    advance(
        db,
        id,
        street_id,
        by,
        (
            RoundStatus::Closed,
            RoundStatus::Published,
            AuditAction::RoundPublished,
        ),
        vec![
            (round::Column::NoticeStarts, Expr::value(Some(starts))),
            (round::Column::NoticeEnds, Expr::value(Some(ends))),
            (round::Column::PublishedAt, Expr::value(Some(now_ms()))),
        ],
    )
    .await
}

pub async fn objections(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<Objection>> {
    Ok(objection::Entity::find()
        .filter(objection::Column::RoundId.eq(id))
        .order_by_asc(objection::Column::Id)
        .all(conn)
        .await?)
}

/// The objections one person filed to a round, oldest first.
pub async fn objections_by(
    conn: &impl ConnectionTrait,
    id: i64,
    account_id: i64,
) -> Result<Vec<Objection>> {
    Ok(objection::Entity::find()
        .filter(objection::Column::RoundId.eq(id))
        .filter(objection::Column::AccountId.eq(account_id))
        .order_by_asc(objection::Column::Id)
        .all(conn)
        .await?)
}

/// Files a resident's objection to a published round. Refused (`Conflict`) when the round is
/// not published any more, or when `domain::rounds::check_objection_quota` refuses it (the same
/// text again, or one too many): many posts at once by one person store at most the limit,
/// because each takes the round's row before it counts.
pub async fn object(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    account_id: i64,
    body: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    // Take the round's row first, as a sheet does: a second objection of the same person waits
    // here until the first is committed, and then counts it.
    let res = round::Entity::update_many()
        .col_expr(round::Column::Status, Expr::col(round::Column::Status))
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(RoundStatus::Published.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let earlier = objections_by(&txn, id, account_id).await?;
    if check_objection_quota(earlier.iter().map(|o| o.body.as_str()), body).is_err() {
        return Err(StoreError::Conflict);
    }
    let r = get(&txn, id).await?;
    let o = objection::ActiveModel {
        id: NotSet,
        round_id: Set(id),
        account_id: Set(account_id),
        body: Set(body.to_owned()),
        answer: Set(None),
        answered_by: Set(None),
        created_at: Set(now_ms()),
        answered_at: Set(None),
    }
    .insert(&txn)
    .await?;
    record(
        &txn,
        account_id,
        street_id,
        AuditAction::RoundObjectionFiled,
        &r,
        Some(format!("objection:{}", o.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Staff answer an objection publicly (a later answer replaces an earlier one).
pub async fn answer(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    objection_id: i64,
    text: &str,
) -> Result<()> {
    let txn = db.begin().await?;
    let r = get(&txn, id).await?;
    let res = objection::Entity::update_many()
        .col_expr(objection::Column::Answer, Expr::value(Some(text)))
        .col_expr(objection::Column::AnsweredBy, Expr::value(Some(by)))
        .col_expr(objection::Column::AnsweredAt, Expr::value(Some(now_ms())))
        .filter(objection::Column::Id.eq(objection_id))
        .filter(objection::Column::RoundId.eq(id))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::NotFound);
    }
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundObjectionAnswered,
        &r,
        Some(format!("objection:{objection_id}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A winner becoming a funded project.
pub struct Funded {
    pub proposal_id: i64,
    pub community_id: i64,
    pub title: String,
    pub budget: String,
}

/// Confirms the result after its notice period: the winners become funded projects.
pub async fn confirm(
    db: &DatabaseConnection,
    id: i64,
    street_id: i64,
    by: i64,
    winners: &[Funded],
) -> Result<()> {
    let txn = db.begin().await?;
    let res = round::Entity::update_many()
        .col_expr(
            round::Column::Status,
            Expr::value(RoundStatus::Confirmed.key()),
        )
        .col_expr(round::Column::ConfirmedAt, Expr::value(Some(now_ms())))
        .filter(round::Column::Id.eq(id))
        .filter(round::Column::Status.eq(RoundStatus::Published.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let r = get(&txn, id).await?;
    let now = now_ms();
    if !winners.is_empty() {
        project::Entity::insert_many(winners.iter().map(|w| project::ActiveModel {
            id: NotSet,
            season_id: Set(r.season_id),
            round_id: Set(id),
            proposal_id: Set(w.proposal_id),
            community_id: Set(w.community_id),
            title: Set(w.title.clone()),
            approved_budget: Set(w.budget.clone()),
            created_at: Set(now),
        }))
        .exec(&txn)
        .await?;
    }
    record(
        &txn,
        by,
        street_id,
        AuditAction::RoundConfirmed,
        &r,
        Some(format!(
            "projects:{:?}",
            winners.iter().map(|w| w.proposal_id).collect::<Vec<_>>()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A season's funded projects, by community.
pub async fn projects(conn: &impl ConnectionTrait, season_id: i64) -> Result<Vec<Project>> {
    Ok(project::Entity::find()
        .filter(project::Column::SeasonId.eq(season_id))
        .order_by_asc(project::Column::CommunityId)
        .order_by_asc(project::Column::Id)
        .all(conn)
        .await?)
}

/// The residents' supports behind each proposal: the sum over the ideas it grew from. Two
/// queries whatever the number of proposals.
pub async fn supports_of(
    conn: &impl ConnectionTrait,
    proposal_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let links: Vec<(i64, i64)> = proposal_idea::Entity::find()
        .select_only()
        .column(proposal_idea::Column::ProposalId)
        .column(proposal_idea::Column::IdeaId)
        .filter(proposal_idea::Column::ProposalId.is_in(proposal_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let counts: HashMap<i64, i32> = crate::entity::idea::Entity::find()
        .select_only()
        .column(crate::entity::idea::Column::Id)
        .column(crate::entity::idea::Column::Supports)
        .filter(crate::entity::idea::Column::Id.is_in(links.iter().map(|(_, i)| *i)))
        .into_tuple::<(i64, i32)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut out: HashMap<i64, i64> = proposal_ids.iter().map(|p| (*p, 0)).collect();
    for (proposal, idea) in links {
        *out.entry(proposal).or_default() += i64::from(counts.get(&idea).copied().unwrap_or(0));
    }
    Ok(out)
}

impl From<judge::Model> for rounds::Judge {
    fn from(j: judge::Model) -> Self {
        rounds::Judge {
            account_id: j.account_id,
            group: j.group_key,
            source: SheetSource::of_paper(j.paper),
        }
    }
}

impl TryFrom<recusal::Model> for rounds::Recusal {
    type Error = StoreError;

    fn try_from(r: recusal::Model) -> Result<Self> {
        Ok(rounds::Recusal {
            account_id: r.account_id,
            proposal_id: r.proposal_id,
            reason: RecusalReason::from_key(&r.reason).ok_or_else(|| {
                StoreError::Database(format!("recusal {}: reason {:?}", r.id, r.reason))
            })?,
        })
    }
}

impl TryFrom<sheet::Model> for rounds::ScoreSheet {
    type Error = StoreError;

    fn try_from(s: sheet::Model) -> Result<Self> {
        Ok(rounds::ScoreSheet {
            scores: serde_json::from_str(&s.scores)
                .map_err(|e| StoreError::Database(format!("sheet {}: {e}", s.id)))?,
            id: s.id,
            proposal_id: s.proposal_id,
            account_id: s.account_id,
            source: SheetSource::of_paper(s.paper),
        })
    }
}

/// A round with everything its rules are decided on: its proposals in running order with their
/// titles, communities, costs and supports, its judges, recusals and sheets. A fixed number of
/// queries however many proposals: this runs on every sheet submitted.
pub async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<rounds::Round> {
    let r = get(conn, id).await?;
    let corrupt = |what: &str| StoreError::Database(format!("round {id}: {what}"));
    let status = RoundStatus::from_key(&r.status).ok_or_else(|| corrupt("status"))?;
    let rules = Rules::from_toml(&r.rules).map_err(|_| corrupt("rules"))?;
    let street_id = crate::season::by_id(conn, r.season_id).await?.street_id;
    let communities: HashMap<i64, String> = crate::org::communities(conn, street_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let in_round = proposals(conn, id).await?;
    let ids: Vec<i64> = in_round.iter().map(|rp| rp.proposal_id).collect();
    let mut by_id: HashMap<i64, proposal::Model> = crate::proposals::by_ids(conn, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let supports = supports_of(conn, &ids).await?;
    let in_order = in_round
        .into_iter()
        .map(|rp| {
            let p = by_id
                .remove(&rp.proposal_id)
                .ok_or_else(|| corrupt("a proposal is missing"))?;
            Ok(rounds::RoundProposal {
                proposal_id: p.id,
                position: rp.position,
                community: communities
                    .get(&p.community_id)
                    .cloned()
                    .unwrap_or_default(),
                community_id: p.community_id,
                title: p.title,
                cost: p.budget_total,
                supports: supports.get(&p.id).copied().unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(rounds::Round {
        judges: judges(conn, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        recusals: recusals(conn, id)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_>>()?,
        sheets: sheets(conn, id)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_>>()?,
        id: r.id,
        street_id,
        season_id: r.season_id,
        name: r.name,
        status,
        rules,
        rules_text: r.rules,
        seed: r.seed,
        drawn: r.drawn,
        presenting: r.presenting,
        presenting_since: r.presenting_since,
        notice: r.notice_starts.zip(r.notice_ends),
        results: r.results,
        proposals: in_order,
    })
}
