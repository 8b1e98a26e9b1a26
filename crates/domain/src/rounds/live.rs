//! What the projector shows of a live round: the proposal on stage, how many judges have
//! submitted, and the standings of the proposals whose sheets are all in. The web sends it to
//! the screens as JSON; the field names are what `static/projector.js` reads.

use super::{FilesError, Round, RoundStatus};
use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveState {
    pub round: i64,
    pub status: &'static str,
    /// Milliseconds since the epoch on the server, so screens can correct their clocks.
    pub now: i64,
    pub count: usize,
    pub presenting: Option<OnStage>,
    pub standings: Vec<Standing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnStage {
    pub id: i64,
    pub title: String,
    pub community: String,
    pub position: Option<i32>,
    pub since: Option<i64>,
    pub submitted: usize,
    pub expected: usize,
    pub complete: bool,
    #[serde(rename = "final")]
    pub final_score: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub rank: Option<usize>,
    pub title: String,
    pub community: String,
    #[serde(rename = "final")]
    pub final_score: String,
}

impl Round {
    /// The round's live state at `now` (milliseconds since the epoch). Standings are computed
    /// by the engine from the files of the complete proposals only, while the round is open
    /// and again once it is public: between closing and publication they wait.
    pub fn live_state(&self, now: i64) -> Result<LiveState, FilesError> {
        let complete: HashSet<i64> = self
            .proposals
            .iter()
            .map(|p| p.proposal_id)
            .filter(|p| self.progress(*p).complete())
            .collect();
        let show = self.status == RoundStatus::Open || self.status.is_public();
        let outcome = if show && !complete.is_empty() {
            // Problems in a partial result (a group short of its quorum so far) leave the
            // standings empty until more sheets arrive.
            self.decide(Some(&complete))?.ok()
        } else {
            None
        };
        let final_of = |p: i64| {
            outcome.as_ref().and_then(|o| {
                o.proposals
                    .iter()
                    .find(|r| r.proposal == p.to_string())
                    .and_then(|r| r.final_score.as_ref().map(|f| f.for_page()))
            })
        };
        let named = |p: i64| {
            self.proposal(p)
                .map(|p| (p.title.clone(), p.community.clone()))
                .unwrap_or_default()
        };
        let presenting = self.presenting.map(|p| {
            let progress = self.progress(p);
            let (title, community) = named(p);
            OnStage {
                id: p,
                title,
                community,
                position: self.proposal(p).and_then(|p| p.position),
                since: self.presenting_since,
                submitted: progress.submitted,
                expected: progress.expected,
                complete: complete.contains(&p),
                final_score: final_of(p),
            }
        });
        let standings = outcome
            .as_ref()
            .map(|o| {
                o.proposals
                    .iter()
                    .filter_map(|r| {
                        let (title, community) = named(r.proposal.parse().ok()?);
                        Some(Standing {
                            rank: r.rank,
                            title,
                            community,
                            final_score: r.final_score.as_ref()?.for_page(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(LiveState {
            round: self.id,
            status: self.status.key(),
            now,
            count: self.proposals.len(),
            presenting,
            standings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::round::{sheet, small_round};
    use super::*;

    #[test]
    fn the_projector_shows_the_proposal_on_stage_and_the_standings_of_complete_ones() {
        let mut round = small_round();
        let empty = round.live_state(5_000).expect("state");
        assert_eq!(
            serde_json::to_string(&empty).expect("json"),
            r#"{"round":3,"status":"open","now":5000,"count":2,"presenting":{"id":7,"title":"楼道灯","community":"花家地西里三区","position":1,"since":1000,"submitted":0,"expected":2,"complete":false,"final":null},"standings":[]}"#
        );
        round.sheets = vec![sheet(1, 11, 7, 18, 12), sheet(2, 12, 7, 16, 11)];
        let state = round.live_state(6_000).expect("state");
        let on_stage = state.presenting.as_ref().expect("on stage");
        assert_eq!((on_stage.submitted, on_stage.expected), (2, 2));
        assert!(on_stage.complete);
        assert_eq!(state.standings.len(), 1);
        assert_eq!(state.standings[0].title, "楼道灯");
        assert_eq!(state.standings[0].rank, Some(1));
        assert_eq!(
            on_stage.final_score.as_ref(),
            Some(&state.standings[0].final_score)
        );
    }

    #[test]
    fn between_closing_and_publication_the_standings_wait() {
        let mut round = small_round();
        round.sheets = vec![sheet(1, 11, 7, 18, 12), sheet(2, 12, 7, 16, 11)];
        round.status = RoundStatus::Closed;
        round.presenting = None;
        let state = round.live_state(0).expect("state");
        assert!(state.standings.is_empty());
        assert_eq!(state.presenting, None);
        round.status = RoundStatus::Published;
        assert_eq!(round.live_state(0).expect("state").standings.len(), 1);
    }
}
