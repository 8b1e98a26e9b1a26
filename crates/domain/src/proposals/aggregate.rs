//! A proposal as one thing: its state, text, team, coach and sign-off, and the answers to who
//! may do what with it now. The store builds it from its rows; handlers ask it before they write.

use super::{
    Checklist, Content, DraftInput, ProposalError, Section, Status, TEAM_MAX, check_edit,
    parse_cap, shortlist, sign_off,
};
use crate::policy::{self, Action, Actor, CommunityRef, Denial, ProposalRef, TeamRole};
use crate::season::Step;
use rust_decimal::Decimal;

/// The most one proposal of a season may ask for: a positive amount of yuan, at most two
/// decimals. Built only from text that reads as one, so a cap in hand is always a real cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetCap(Decimal);

impl BudgetCap {
    pub fn parse(raw: &str) -> Option<Self> {
        parse_cap(raw).map(Self)
    }

    pub fn amount(self) -> Decimal {
        self.0
    }
}

/// What a proposal needs to know of its season: the step it stands in, and the cap on one
/// proposal's budget (None: the street set none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeasonTerms {
    pub step: Step,
    pub cap: Option<BudgetCap>,
}

/// One person on the team and their place on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub account_id: i64,
    pub role: TeamRole,
}

/// How a team role is stored and named in messages (`proposal-team-<key>`).
pub fn role_key(role: TeamRole) -> &'static str {
    match role {
        TeamRole::Owner => "owner",
        TeamRole::Member => "member",
        TeamRole::Invited => "invited",
    }
}

pub fn role_from_key(key: &str) -> Option<TeamRole> {
    [TeamRole::Owner, TeamRole::Member, TeamRole::Invited]
        .into_iter()
        .find(|r| role_key(*r) == key)
}

/// The coach's sign-off: who, when (milliseconds since the epoch), and of which version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignOff {
    pub by: i64,
    pub at: i64,
    pub version: i32,
}

/// A coach's note on one section, written against a version (`at` in milliseconds since the
/// epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub author_id: i64,
    pub section: Section,
    pub body: String,
    pub version: i32,
    pub at: i64,
}

/// Why something was refused: the person may not do it at all (a [`Denial`], answered as "log in"
/// or "forbidden"), or not to this proposal now (a [`ProposalError`] the page explains).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Denied(Denial),
    Rule(ProposalError),
}

impl From<Denial> for Refusal {
    fn from(d: Denial) -> Self {
        Refusal::Denied(d)
    }
}

impl From<ProposalError> for Refusal {
    fn from(e: ProposalError) -> Self {
        Refusal::Rule(e)
    }
}

/// A proposal with everything needed to decide who may do what with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: i64,
    pub season_id: i64,
    pub community: CommunityRef,
    pub category_id: i64,
    pub title: String,
    pub status: Status,
    pub content: Content,
    /// The number of the latest version.
    pub version: i32,
    /// The owner first, then members and invitations in the order they were made.
    pub team: Vec<Member>,
    /// The social organisation coaching the proposal's community this season.
    pub coach_org: Option<i64>,
    /// The latest sign-off, kept after a later save sends the proposal back to draft.
    pub sign_off: Option<SignOff>,
    pub season: SeasonTerms,
}

impl Proposal {
    /// This person's place on the team, if they have one.
    pub fn role_of(&self, account_id: i64) -> Option<TeamRole> {
        self.team
            .iter()
            .find(|m| m.account_id == account_id)
            .map(|m| m.role)
    }

    /// Those who have joined (the owner and members).
    pub fn joined(&self) -> Vec<i64> {
        self.team
            .iter()
            .filter(|m| matches!(m.role, TeamRole::Owner | TeamRole::Member))
            .map(|m| m.account_id)
            .collect()
    }

    /// The proposal as the policy sees it when `actor` (None: nobody logged in) looks at it.
    pub fn seen_by(&self, actor: Option<&Actor>) -> ProposalRef {
        ProposalRef {
            community: self.community,
            coach_org: self.coach_org,
            team: actor.and_then(|a| self.role_of(a.account_id)),
            public: self.status.is_public(),
        }
    }

    fn decide(
        &self,
        actor: Option<&Actor>,
        action: fn(ProposalRef) -> Action,
    ) -> Result<(), Denial> {
        policy::decide(actor, action(self.seen_by(actor)))
    }

    /// Shortlisted proposals are public; drafts are for the team, the coach and the staff.
    pub fn may_read(&self, actor: Option<&Actor>) -> Result<(), Denial> {
        self.decide(actor, Action::ReadProposal)
    }

    /// Whether the text is open to change at all: in step 4, and never once shortlisted.
    pub fn editable(&self) -> Result<(), ProposalError> {
        check_edit(self.season.step, Some(self.status))
    }

    /// The owner and members revise the text while it is editable.
    pub fn may_edit(&self, actor: Option<&Actor>) -> Result<(), Refusal> {
        self.decide(actor, Action::EditProposal)?;
        Ok(self.editable()?)
    }

    /// Checks a revision as typed against the season's cap.
    pub fn check_revision(
        &self,
        input: &DraftInput,
    ) -> Result<(String, Content), Vec<ProposalError>> {
        Content::parse(input, self.season.cap.map(BudgetCap::amount))
    }

    /// Whether a save or a sign-off made from version `base` is of the latest text.
    pub fn is_current(&self, base: i32) -> bool {
        base == self.version
    }

    /// What a save from an older version is told: someone saved first, or the proposal was
    /// shortlisted meanwhile.
    pub fn stale_save(&self) -> ProposalError {
        if self.status == Status::Shortlisted {
            ProposalError::Locked
        } else {
            ProposalError::EditConflict
        }
    }

    /// Whoever may edit may invite, while the team has room.
    pub fn may_invite(&self, actor: Option<&Actor>) -> Result<(), Refusal> {
        self.may_edit(actor)?;
        if self.team.len() >= TEAM_MAX {
            return Err(ProposalError::TeamFull.into());
        }
        Ok(())
    }

    /// Invites `invitee`, who must not be on the team or invited already.
    pub fn invite(&self, actor: Option<&Actor>, invitee: i64) -> Result<(), Refusal> {
        self.may_invite(actor)?;
        if self.role_of(invitee).is_some() {
            return Err(ProposalError::AlreadyOnTeam.into());
        }
        Ok(())
    }

    /// The invited person answers while the proposal is editable: a shortlisted proposal's team
    /// is what the jury's recusals were computed from, so it is frozen.
    pub fn may_answer(&self, actor: Option<&Actor>) -> Result<(), Refusal> {
        self.decide(actor, Action::AnswerInvitation)?;
        Ok(self.editable()?)
    }

    /// The coach, the community's coordinator and the street's staff write notes while the
    /// proposal is editable.
    pub fn may_coach(&self, actor: Option<&Actor>) -> Result<(), Refusal> {
        self.decide(actor, Action::CoachProposal)?;
        Ok(self.editable()?)
    }

    /// Whether the coaching organisation's worker is offered the sign-off: a draft, editable.
    pub fn may_sign_off(&self, actor: Option<&Actor>) -> Result<(), Refusal> {
        self.decide(actor, Action::SignOffProposal)?;
        self.editable()?;
        if self.status != Status::Draft {
            return Err(ProposalError::EditConflict.into());
        }
        Ok(())
    }

    /// The coach signs off `version`, the one they read, with the whole checklist ticked. A
    /// version the team has since replaced, or a proposal already signed off, is a conflict.
    pub fn sign_off(
        &self,
        actor: Option<&Actor>,
        version: i32,
        checklist: Checklist,
    ) -> Result<(), Refusal> {
        self.decide(actor, Action::SignOffProposal)?;
        sign_off(
            self.season.step,
            self.status,
            &self.content,
            self.joined().len(),
            checklist,
        )?;
        if !self.is_current(version) || self.status != Status::Draft {
            return Err(ProposalError::EditConflict.into());
        }
        Ok(())
    }

    /// Whether the street may shortlist it now (who may shortlist is the street's question).
    pub fn may_shortlist(&self) -> Result<(), ProposalError> {
        shortlist(self.season.step, self.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Grant;
    use crate::proposals::{BudgetLine, PlanStep};

    const OWNER: i64 = 1;
    const MEMBER: i64 = 2;
    const INVITED: i64 = 3;
    const COACH: i64 = 10;
    const COORDINATOR: i64 = 11;
    const ADMIN: i64 = 12;
    const NEIGHBOUR: i64 = 20;
    const COACH_ORG: i64 = 100;
    const COMMUNITY: CommunityRef = CommunityRef {
        community_id: 7,
        street_id: 1,
    };

    fn who(account_id: i64) -> Actor {
        let grants = match account_id {
            COACH => vec![Grant::SocialWorker { org_id: COACH_ORG }],
            COORDINATOR => vec![Grant::Coordinator {
                community_id: COMMUNITY.community_id,
            }],
            ADMIN => vec![Grant::StreetAdmin {
                street_id: COMMUNITY.street_id,
            }],
            _ => vec![],
        };
        Actor { account_id, grants }
    }

    fn complete_content() -> Content {
        Content {
            background: "楼道堆物多".into(),
            goals: "清出通道".into(),
            methods: "居民共同清理".into(),
            steps: vec![PlanStep {
                date: chrono::NaiveDate::from_ymd_opt(2017, 7, 1).expect("a date"),
                activity: "动员".into(),
            }],
            budget: vec![BudgetLine {
                item: "油漆".into(),
                unit: "桶".into(),
                quantity: Decimal::new(2, 0),
                unit_price: Decimal::new(15, 0),
            }],
            partners: "物业".into(),
            resources: String::new(),
            risks: String::new(),
            beneficiaries: "3号楼居民".into(),
            sustainability: "楼门长轮值".into(),
        }
    }

    /// A draft of version 3 in step 4, with an owner, a member and an open invitation.
    fn draft() -> Proposal {
        Proposal {
            id: 5,
            season_id: 1,
            community: COMMUNITY,
            category_id: 1,
            title: "楼道微更新".into(),
            status: Status::Draft,
            content: complete_content(),
            version: 3,
            team: vec![
                Member {
                    account_id: OWNER,
                    role: TeamRole::Owner,
                },
                Member {
                    account_id: MEMBER,
                    role: TeamRole::Member,
                },
                Member {
                    account_id: INVITED,
                    role: TeamRole::Invited,
                },
            ],
            coach_org: Some(COACH_ORG),
            sign_off: None,
            season: SeasonTerms {
                step: Step::ProposalDrafting,
                cap: BudgetCap::parse("50000"),
            },
        }
    }

    fn shortlisted() -> Proposal {
        Proposal {
            status: Status::Shortlisted,
            ..draft()
        }
    }

    const DENIED: Refusal = Refusal::Denied(Denial::Forbidden);

    #[test]
    fn a_draft_is_read_by_its_team_coach_and_staff_and_a_shortlisted_one_by_anyone() {
        let p = draft();
        for id in [OWNER, MEMBER, INVITED, COACH, COORDINATOR, ADMIN] {
            assert_eq!(p.may_read(Some(&who(id))), Ok(()), "{id}");
        }
        assert_eq!(p.may_read(Some(&who(NEIGHBOUR))), Err(Denial::Forbidden));
        assert_eq!(p.may_read(None), Err(Denial::NotLoggedIn));
        assert_eq!(shortlisted().may_read(None), Ok(()));
        assert_eq!(shortlisted().may_read(Some(&who(NEIGHBOUR))), Ok(()));
    }

    #[test]
    fn the_owner_and_members_edit_in_step_4_until_it_is_shortlisted() {
        let p = draft();
        assert_eq!(p.may_edit(Some(&who(OWNER))), Ok(()));
        assert_eq!(p.may_edit(Some(&who(MEMBER))), Ok(()));
        for id in [INVITED, COACH, COORDINATOR, ADMIN, NEIGHBOUR] {
            assert_eq!(p.may_edit(Some(&who(id))), Err(DENIED), "{id}");
        }
        assert_eq!(
            shortlisted().may_edit(Some(&who(OWNER))),
            Err(Refusal::Rule(ProposalError::Locked))
        );
        let mut later = draft();
        later.season.step = Step::Evaluation;
        assert_eq!(
            later.may_edit(Some(&who(OWNER))),
            Err(Refusal::Rule(ProposalError::NotDrafting))
        );
    }

    #[test]
    fn a_save_is_current_only_from_the_latest_version() {
        let p = draft();
        assert!(p.is_current(3));
        assert!(!p.is_current(2));
        assert!(!p.is_current(0));
        assert_eq!(p.stale_save(), ProposalError::EditConflict);
        assert_eq!(shortlisted().stale_save(), ProposalError::Locked);
    }

    #[test]
    fn a_revision_is_checked_against_the_seasons_cap() {
        let mut p = draft();
        p.season.cap = BudgetCap::parse("100");
        let input = |price: &str| DraftInput {
            title: "楼道微更新".into(),
            budget: vec![("油漆".into(), "桶".into(), "2".into(), price.into())],
            ..DraftInput::default()
        };
        assert!(p.check_revision(&input("50")).is_ok());
        assert_eq!(
            p.check_revision(&input("50.01")).expect_err("over the cap"),
            vec![ProposalError::OverCap]
        );
        p.season.cap = None;
        assert!(p.check_revision(&input("50000")).is_ok());
    }

    #[test]
    fn a_stored_cap_is_a_positive_amount_of_yuan_or_nothing() {
        assert_eq!(
            BudgetCap::parse("50000").map(BudgetCap::amount),
            Some(Decimal::new(50000, 0))
        );
        for bad in ["", "0", "-1", "abc", "1.001"] {
            assert_eq!(BudgetCap::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_team_invites_while_there_is_room_and_not_twice() {
        let p = draft();
        assert_eq!(p.invite(Some(&who(OWNER)), NEIGHBOUR), Ok(()));
        assert_eq!(
            p.invite(Some(&who(MEMBER)), INVITED),
            Err(Refusal::Rule(ProposalError::AlreadyOnTeam))
        );
        assert_eq!(p.invite(Some(&who(INVITED)), NEIGHBOUR), Err(DENIED));
        let mut full = draft();
        full.team.extend((50..59).map(|account_id| Member {
            account_id,
            role: TeamRole::Invited,
        }));
        assert_eq!(full.team.len(), TEAM_MAX);
        assert_eq!(
            full.may_invite(Some(&who(OWNER))),
            Err(Refusal::Rule(ProposalError::TeamFull))
        );
    }

    #[test]
    fn only_the_invited_person_answers_and_not_once_shortlisted() {
        assert_eq!(draft().may_answer(Some(&who(INVITED))), Ok(()));
        assert_eq!(draft().may_answer(Some(&who(MEMBER))), Err(DENIED));
        assert_eq!(
            shortlisted().may_answer(Some(&who(INVITED))),
            Err(Refusal::Rule(ProposalError::Locked))
        );
    }

    #[test]
    fn the_coach_coordinator_and_street_staff_write_notes_the_team_does_not() {
        for id in [COACH, COORDINATOR, ADMIN] {
            assert_eq!(draft().may_coach(Some(&who(id))), Ok(()), "{id}");
        }
        assert_eq!(draft().may_coach(Some(&who(OWNER))), Err(DENIED));
        assert_eq!(
            shortlisted().may_coach(Some(&who(COACH))),
            Err(Refusal::Rule(ProposalError::Locked))
        );
    }

    #[test]
    fn only_the_coaching_organisation_signs_off_the_version_it_read() {
        let p = draft();
        let all = Checklist::from_ticked(|_| true);
        assert_eq!(p.may_sign_off(Some(&who(COACH))), Ok(()));
        assert_eq!(p.sign_off(Some(&who(COACH)), 3, all), Ok(()));
        for id in [COORDINATOR, ADMIN, OWNER] {
            assert_eq!(p.sign_off(Some(&who(id)), 3, all), Err(DENIED), "{id}");
        }
        assert_eq!(
            p.sign_off(Some(&who(COACH)), 2, all),
            Err(Refusal::Rule(ProposalError::EditConflict))
        );
        assert_eq!(
            p.sign_off(Some(&who(COACH)), 3, Checklist::default()),
            Err(Refusal::Rule(ProposalError::ChecklistIncomplete))
        );
        let ready = Proposal {
            status: Status::Ready,
            ..draft()
        };
        assert!(ready.may_sign_off(Some(&who(COACH))).is_err());
        assert_eq!(
            ready.sign_off(Some(&who(COACH)), 3, all),
            Err(Refusal::Rule(ProposalError::EditConflict))
        );
        let mut alone = draft();
        alone.team.truncate(1);
        alone.team.push(Member {
            account_id: INVITED,
            role: TeamRole::Invited,
        });
        assert_eq!(
            alone.sign_off(Some(&who(COACH)), 3, all),
            Err(Refusal::Rule(ProposalError::TeamTooSmall))
        );
    }

    #[test]
    fn a_ready_proposal_is_shortlisted_once_in_step_4_or_5() {
        let ready = Proposal {
            status: Status::Ready,
            ..draft()
        };
        assert_eq!(ready.may_shortlist(), Ok(()));
        assert_eq!(draft().may_shortlist(), Err(ProposalError::NotReady));
        assert_eq!(shortlisted().may_shortlist(), Err(ProposalError::Locked));
    }

    #[test]
    fn team_roles_are_stored_by_key() {
        for role in [TeamRole::Owner, TeamRole::Member, TeamRole::Invited] {
            assert_eq!(role_from_key(role_key(role)), Some(role));
        }
        assert_eq!(role_from_key("coach"), None);
        assert_eq!(draft().joined(), vec![OWNER, MEMBER]);
    }
}
