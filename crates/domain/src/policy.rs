//! The one place where permission is decided.
//!
//! Handlers describe what a person is trying to do as an [`Action`] (with the ids of the
//! street, community or organisation it concerns) and ask [`decide`]. Nothing else in the
//! code base compares roles, so the authorisation matrix test can walk every route and
//! trust that what it sees is the whole story.

use crate::account::Role;
use serde::{Deserialize, Serialize};

/// A role held for a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grant {
    StreetAdmin { street_id: i64 },
    Coordinator { community_id: i64 },
    SocialWorker { org_id: i64 },
}

impl Grant {
    pub fn role(self) -> Role {
        match self {
            Grant::StreetAdmin { .. } => Role::StreetAdmin,
            Grant::Coordinator { .. } => Role::Coordinator,
            Grant::SocialWorker { .. } => Role::SocialWorker,
        }
    }

    pub fn scope_id(self) -> i64 {
        match self {
            Grant::StreetAdmin { street_id } => street_id,
            Grant::Coordinator { community_id } => community_id,
            Grant::SocialWorker { org_id } => org_id,
        }
    }

    pub fn from_parts(role: Role, scope_id: i64) -> Option<Self> {
        match role {
            Role::StreetAdmin => Some(Grant::StreetAdmin {
                street_id: scope_id,
            }),
            Role::Coordinator => Some(Grant::Coordinator {
                community_id: scope_id,
            }),
            Role::SocialWorker => Some(Grant::SocialWorker { org_id: scope_id }),
            Role::Resident => None,
        }
    }
}

/// A logged-in person, with every role they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: i64,
    pub grants: Vec<Grant>,
}

impl Actor {
    pub fn is_street_admin_of(&self, street: i64) -> bool {
        self.grants
            .contains(&Grant::StreetAdmin { street_id: street })
    }

    fn coordinates(&self, community: i64) -> bool {
        self.grants.contains(&Grant::Coordinator {
            community_id: community,
        })
    }

    fn works_for(&self, org: i64) -> bool {
        self.grants.contains(&Grant::SocialWorker { org_id: org })
    }

    pub fn has_role(&self, role: Role) -> bool {
        role == Role::Resident || self.grants.iter().any(|g| g.role() == role)
    }
}

/// A community named together with the street it belongs to, so that a street admin's
/// rights reach down to it without a database look-up here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommunityRef {
    pub community_id: i64,
    pub street_id: i64,
}

/// The actor's place on a proposal's team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamRole {
    /// Started the proposal.
    Owner,
    /// Accepted an invitation.
    Member,
    /// Invited, not yet answered.
    Invited,
}

/// A proposal as the policy needs to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposalRef {
    pub community: CommunityRef,
    /// The social organisation coaching the proposal's community this season.
    pub coach_org: Option<i64>,
    /// The acting person's place on the team, if they have one.
    pub team: Option<TeamRole>,
    /// Shortlisted proposals are public.
    pub public: bool,
}

/// What someone is trying to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read a public page: home, communities, published results.
    ReadPublic,
    /// Read or change one's own account page (community, password).
    ManageOwnAccount,
    /// Manage a street's organisation: communities, courtyards, organisations, imports.
    ManageStreet { street_id: i64 },
    /// Read a street's audit log.
    ReadAudit { street_id: i64 },
    /// Move a street's season to another step.
    SteerSeason { street_id: i64 },
    /// Grant or withdraw a coordinator, social worker or admin role in a street.
    GrantRoles { street_id: i64 },
    /// See a community's residents, create an account for one without a phone,
    /// and reset a resident's password.
    ManageResidents(CommunityRef),
    /// Set a new password for one account from a community's page. Only a plain resident's:
    /// an account holding any role (coordinator, social worker, street admin) is staff, and
    /// staff are never managed from a community page, whoever asks.
    ResetResidentPassword {
        community: CommunityRef,
        target_holds_roles: bool,
    },
    /// See an organisation's page for its own staff, or submit an idea in its name.
    WorkForOrganisation { org_id: i64 },
    /// Submit a golden idea of one's own.
    SubmitIdea,
    /// Type in a paper idea form (金点子征集表) for a resident of the community, or accept,
    /// merge or decline the community's ideas.
    ReviewIdeas(CommunityRef),
    /// Read one idea: public once accepted; before that, its author and the community's staff.
    ReadIdea {
        community: CommunityRef,
        author: Option<i64>,
        public: bool,
    },
    /// Start a proposal from accepted ideas.
    DraftProposal,
    /// Read a proposal: public once shortlisted; before that its team (invitees included),
    /// its coach, and the community's and street's staff.
    ReadProposal(ProposalRef),
    /// Revise a proposal's text, or invite someone to its team: its owner and members.
    EditProposal(ProposalRef),
    /// Accept or decline an invitation to a proposal's team.
    AnswerInvitation(ProposalRef),
    /// Leave a coaching note: the coach, the community's coordinator, the street admin.
    CoachProposal(ProposalRef),
    /// Sign off the readiness checklist: the social workers of the coaching organisation.
    SignOffProposal(ProposalRef),
    /// Shortlist a street's ready proposals for the competition, and export them.
    ShortlistProposals { street_id: i64 },
    /// Set up and host a street's competition rounds: judges, recusals, the draw, the live
    /// round, paper sheets, closing, publication, answers to objections, confirmation.
    RunRound { street_id: i64 },
    /// Score a round's proposals: its judges only.
    JudgeRound { is_judge: bool },
    /// Read a round's result and its files: public once published, before that the street's admin.
    ReadRoundResult { street_id: i64, published: bool },
    /// File an objection during the notice period: anyone logged in.
    FileObjection,
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Nobody is logged in: the page should offer to log in.
    NotLoggedIn,
    /// Logged in, but this person may not do it.
    Forbidden,
}

/// Decides whether `actor` (None when nobody is logged in) may do `action`.
pub fn decide(actor: Option<&Actor>, action: Action) -> Result<(), Denial> {
    if matches!(
        action,
        Action::ReadPublic | Action::ReadIdea { public: true, .. }
    ) || matches!(action, Action::ReadProposal(p) if p.public)
        || matches!(
            action,
            Action::ReadRoundResult {
                published: true,
                ..
            }
        )
    {
        return Ok(());
    }
    let Some(actor) = actor else {
        return Err(Denial::NotLoggedIn);
    };
    let allowed = match action {
        Action::ReadPublic | Action::ManageOwnAccount => true,
        Action::ManageStreet { street_id }
        | Action::ReadAudit { street_id }
        | Action::SteerSeason { street_id }
        | Action::GrantRoles { street_id } => actor.is_street_admin_of(street_id),
        Action::ManageResidents(c) => {
            actor.coordinates(c.community_id) || actor.is_street_admin_of(c.street_id)
        }
        Action::ResetResidentPassword {
            community: c,
            target_holds_roles,
        } => {
            !target_holds_roles
                && (actor.coordinates(c.community_id) || actor.is_street_admin_of(c.street_id))
        }
        Action::WorkForOrganisation { org_id } => actor.works_for(org_id),
        Action::SubmitIdea => true,
        Action::ReviewIdeas(c) => {
            actor.coordinates(c.community_id) || actor.is_street_admin_of(c.street_id)
        }
        Action::ReadIdea {
            community, author, ..
        } => {
            author == Some(actor.account_id)
                || actor.coordinates(community.community_id)
                || actor.is_street_admin_of(community.street_id)
        }
        Action::DraftProposal => true,
        Action::ReadProposal(p) => {
            p.team.is_some()
                || p.coach_org.is_some_and(|o| actor.works_for(o))
                || actor.coordinates(p.community.community_id)
                || actor.is_street_admin_of(p.community.street_id)
        }
        Action::EditProposal(p) => matches!(p.team, Some(TeamRole::Owner | TeamRole::Member)),
        Action::AnswerInvitation(p) => p.team == Some(TeamRole::Invited),
        Action::CoachProposal(p) => {
            p.coach_org.is_some_and(|o| actor.works_for(o))
                || actor.coordinates(p.community.community_id)
                || actor.is_street_admin_of(p.community.street_id)
        }
        Action::SignOffProposal(p) => p.coach_org.is_some_and(|o| actor.works_for(o)),
        Action::ShortlistProposals { street_id }
        | Action::RunRound { street_id }
        | Action::ReadRoundResult { street_id, .. } => actor.is_street_admin_of(street_id),
        Action::JudgeRound { is_judge } => is_judge,
        Action::FileObjection => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(grants: &[Grant]) -> Actor {
        Actor {
            account_id: 1,
            grants: grants.to_vec(),
        }
    }

    const NANHU: CommunityRef = CommunityRef {
        community_id: 10,
        street_id: 1,
    };

    #[test]
    fn anyone_reads_public_pages_but_must_log_in_for_the_rest() {
        assert_eq!(decide(None, Action::ReadPublic), Ok(()));
        assert_eq!(
            decide(None, Action::ManageOwnAccount),
            Err(Denial::NotLoggedIn)
        );
        assert_eq!(
            decide(None, Action::ManageStreet { street_id: 1 }),
            Err(Denial::NotLoggedIn)
        );
    }

    #[test]
    fn a_resident_manages_only_their_own_account() {
        let resident = actor(&[]);
        assert_eq!(decide(Some(&resident), Action::ManageOwnAccount), Ok(()));
        assert_eq!(
            decide(Some(&resident), Action::ManageResidents(NANHU)),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(Some(&resident), Action::ReadAudit { street_id: 1 }),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn a_coordinator_manages_residents_of_their_community_only() {
        let coordinator = actor(&[Grant::Coordinator { community_id: 10 }]);
        assert_eq!(
            decide(Some(&coordinator), Action::ManageResidents(NANHU)),
            Ok(())
        );
        let other = CommunityRef {
            community_id: 11,
            street_id: 1,
        };
        assert_eq!(
            decide(Some(&coordinator), Action::ManageResidents(other)),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(Some(&coordinator), Action::ManageStreet { street_id: 1 }),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn no_staff_account_has_its_password_reset_from_a_community_page() {
        let coordinator = actor(&[Grant::Coordinator { community_id: 10 }]);
        let admin = actor(&[Grant::StreetAdmin { street_id: 1 }]);
        for who in [&coordinator, &admin] {
            let resident = Action::ResetResidentPassword {
                community: NANHU,
                target_holds_roles: false,
            };
            assert_eq!(decide(Some(who), resident), Ok(()));
            let staff = Action::ResetResidentPassword {
                community: NANHU,
                target_holds_roles: true,
            };
            assert_eq!(decide(Some(who), staff), Err(Denial::Forbidden));
        }
    }

    #[test]
    fn a_street_admin_reaches_every_community_of_their_street_and_no_other_street() {
        let admin = actor(&[Grant::StreetAdmin { street_id: 1 }]);
        assert_eq!(decide(Some(&admin), Action::ManageResidents(NANHU)), Ok(()));
        assert_eq!(
            decide(Some(&admin), Action::SteerSeason { street_id: 1 }),
            Ok(())
        );
        assert_eq!(
            decide(Some(&admin), Action::SteerSeason { street_id: 2 }),
            Err(Denial::Forbidden)
        );
        let elsewhere = CommunityRef {
            community_id: 99,
            street_id: 2,
        };
        assert_eq!(
            decide(Some(&admin), Action::ManageResidents(elsewhere)),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn an_idea_under_review_is_seen_by_its_author_and_its_community_staff_only() {
        let unreviewed = Action::ReadIdea {
            community: NANHU,
            author: Some(5),
            public: false,
        };
        assert_eq!(decide(None, unreviewed), Err(Denial::NotLoggedIn));
        let author = Actor {
            account_id: 5,
            grants: vec![],
        };
        assert_eq!(decide(Some(&author), unreviewed), Ok(()));
        assert_eq!(
            decide(Some(&actor(&[])), unreviewed),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(
                Some(&actor(&[Grant::Coordinator { community_id: 10 }])),
                unreviewed
            ),
            Ok(())
        );
        assert_eq!(
            decide(
                Some(&actor(&[Grant::Coordinator { community_id: 11 }])),
                unreviewed
            ),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(
                Some(&actor(&[Grant::StreetAdmin { street_id: 1 }])),
                unreviewed
            ),
            Ok(())
        );
        let accepted = Action::ReadIdea {
            community: NANHU,
            author: Some(5),
            public: true,
        };
        assert_eq!(decide(None, accepted), Ok(()));
    }

    #[test]
    fn only_the_community_coordinator_or_street_admin_reviews_ideas() {
        let review = Action::ReviewIdeas(NANHU);
        assert_eq!(decide(Some(&actor(&[])), review), Err(Denial::Forbidden));
        assert_eq!(
            decide(Some(&actor(&[Grant::SocialWorker { org_id: 3 }])), review),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(
                Some(&actor(&[Grant::Coordinator { community_id: 10 }])),
                review
            ),
            Ok(())
        );
        assert_eq!(
            decide(Some(&actor(&[Grant::StreetAdmin { street_id: 2 }])), review),
            Err(Denial::Forbidden)
        );
    }

    fn proposal(team: Option<TeamRole>, public: bool) -> ProposalRef {
        ProposalRef {
            community: NANHU,
            coach_org: Some(3),
            team,
            public,
        }
    }

    #[test]
    fn a_draft_proposal_is_seen_by_its_team_coach_and_staff_only() {
        let draft = Action::ReadProposal(proposal(None, false));
        assert_eq!(decide(None, draft), Err(Denial::NotLoggedIn));
        assert_eq!(decide(Some(&actor(&[])), draft), Err(Denial::Forbidden));
        for role in [TeamRole::Owner, TeamRole::Member, TeamRole::Invited] {
            let as_team = Action::ReadProposal(proposal(Some(role), false));
            assert_eq!(decide(Some(&actor(&[])), as_team), Ok(()));
        }
        for grant in [
            Grant::SocialWorker { org_id: 3 },
            Grant::Coordinator { community_id: 10 },
            Grant::StreetAdmin { street_id: 1 },
        ] {
            assert_eq!(decide(Some(&actor(&[grant])), draft), Ok(()), "{grant:?}");
        }
        for grant in [
            Grant::SocialWorker { org_id: 4 },
            Grant::Coordinator { community_id: 11 },
            Grant::StreetAdmin { street_id: 2 },
        ] {
            assert_eq!(
                decide(Some(&actor(&[grant])), draft),
                Err(Denial::Forbidden),
                "{grant:?}"
            );
        }
        assert_eq!(
            decide(None, Action::ReadProposal(proposal(None, true))),
            Ok(())
        );
    }

    #[test]
    fn only_the_team_edits_and_only_the_coach_signs_off() {
        let edit = |team| Action::EditProposal(proposal(team, false));
        assert_eq!(
            decide(Some(&actor(&[])), edit(Some(TeamRole::Owner))),
            Ok(())
        );
        assert_eq!(
            decide(Some(&actor(&[])), edit(Some(TeamRole::Member))),
            Ok(())
        );
        assert_eq!(
            decide(Some(&actor(&[])), edit(Some(TeamRole::Invited))),
            Err(Denial::Forbidden)
        );
        let coach = actor(&[Grant::SocialWorker { org_id: 3 }]);
        let admin = actor(&[Grant::StreetAdmin { street_id: 1 }]);
        assert_eq!(decide(Some(&coach), edit(None)), Err(Denial::Forbidden));
        assert_eq!(decide(Some(&admin), edit(None)), Err(Denial::Forbidden));
        let sign = Action::SignOffProposal(proposal(None, false));
        assert_eq!(decide(Some(&coach), sign), Ok(()));
        assert_eq!(decide(Some(&admin), sign), Err(Denial::Forbidden));
        let note = Action::CoachProposal(proposal(None, false));
        assert_eq!(decide(Some(&coach), note), Ok(()));
        assert_eq!(decide(Some(&admin), note), Ok(()));
        assert_eq!(
            decide(
                Some(&actor(&[])),
                Action::CoachProposal(proposal(Some(TeamRole::Owner), false))
            ),
            Err(Denial::Forbidden)
        );
        let shortlist = Action::ShortlistProposals { street_id: 1 };
        assert_eq!(decide(Some(&admin), shortlist), Ok(()));
        assert_eq!(decide(Some(&coach), shortlist), Err(Denial::Forbidden));
    }

    #[test]
    fn results_are_public_once_published_and_rounds_are_run_by_the_street_admin() {
        let unpublished = Action::ReadRoundResult {
            street_id: 1,
            published: false,
        };
        assert_eq!(decide(None, unpublished), Err(Denial::NotLoggedIn));
        assert_eq!(
            decide(Some(&actor(&[])), unpublished),
            Err(Denial::Forbidden)
        );
        let admin = actor(&[Grant::StreetAdmin { street_id: 1 }]);
        assert_eq!(decide(Some(&admin), unpublished), Ok(()));
        assert_eq!(
            decide(
                None,
                Action::ReadRoundResult {
                    street_id: 1,
                    published: true
                }
            ),
            Ok(())
        );
        assert_eq!(
            decide(Some(&admin), Action::RunRound { street_id: 1 }),
            Ok(())
        );
        assert_eq!(
            decide(Some(&admin), Action::RunRound { street_id: 2 }),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(Some(&admin), Action::JudgeRound { is_judge: false }),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(Some(&actor(&[])), Action::JudgeRound { is_judge: true }),
            Ok(())
        );
        assert_eq!(
            decide(None, Action::FileObjection),
            Err(Denial::NotLoggedIn)
        );
    }

    #[test]
    fn a_social_worker_sees_their_own_organisation_only() {
        let worker = actor(&[Grant::SocialWorker { org_id: 3 }]);
        assert_eq!(
            decide(Some(&worker), Action::WorkForOrganisation { org_id: 3 }),
            Ok(())
        );
        assert_eq!(
            decide(Some(&worker), Action::WorkForOrganisation { org_id: 4 }),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            decide(Some(&worker), Action::ManageResidents(NANHU)),
            Err(Denial::Forbidden)
        );
    }
}
