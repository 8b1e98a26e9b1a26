//! What the audit log records. Every change that matters is written with one of these
//! actions, in the same transaction as the change itself.

/// The kinds of change the audit log records, with a stable key for storage and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AccountRegistered,
    AccountCreatedByStaff,
    AccountCommunitySet,
    PasswordReset,
    /// A person changed their own password.
    PasswordChanged,
    RoleGranted,
    CommunityCreated,
    CommunityRenamed,
    CourtyardCreated,
    OrganisationCreated,
    ImportCommunities,
    ImportResidents,
    SeasonCreated,
    SeasonAdvanced,
    SeasonMovedBack,
    SeasonCalendarSet,
    IdeaSubmitted,
    IdeaAccepted,
    IdeaMerged,
    IdeaDeclined,
    SeasonCategoriesSet,
    SeasonBudgetCapSet,
    SeasonCoachingSet,
    ProposalCreated,
    ProposalRevised,
    ProposalMemberInvited,
    ProposalInvitationAnswered,
    ProposalNoteAdded,
    ProposalSignedOff,
    ProposalShortlisted,
    RoundCreated,
    RoundRulesSet,
    RoundDrawn,
    RoundJudgeAdded,
    RoundRecusalAdded,
    RoundOpened,
    RoundPresenting,
    RoundPaperSheet,
    RoundPaperSheetForPhoneJudge,
    RoundSheetReopened,
    RoundClosed,
    RoundPublished,
    RoundObjectionFiled,
    RoundObjectionAnswered,
    RoundConfirmed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 45] = [
        AuditAction::AccountRegistered,
        AuditAction::AccountCreatedByStaff,
        AuditAction::AccountCommunitySet,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::RoleGranted,
        AuditAction::CommunityCreated,
        AuditAction::CommunityRenamed,
        AuditAction::CourtyardCreated,
        AuditAction::OrganisationCreated,
        AuditAction::ImportCommunities,
        AuditAction::ImportResidents,
        AuditAction::SeasonCreated,
        AuditAction::SeasonAdvanced,
        AuditAction::SeasonMovedBack,
        AuditAction::SeasonCalendarSet,
        AuditAction::IdeaSubmitted,
        AuditAction::IdeaAccepted,
        AuditAction::IdeaMerged,
        AuditAction::IdeaDeclined,
        AuditAction::SeasonCategoriesSet,
        AuditAction::SeasonBudgetCapSet,
        AuditAction::SeasonCoachingSet,
        AuditAction::ProposalCreated,
        AuditAction::ProposalRevised,
        AuditAction::ProposalMemberInvited,
        AuditAction::ProposalInvitationAnswered,
        AuditAction::ProposalNoteAdded,
        AuditAction::ProposalSignedOff,
        AuditAction::ProposalShortlisted,
        AuditAction::RoundCreated,
        AuditAction::RoundRulesSet,
        AuditAction::RoundDrawn,
        AuditAction::RoundJudgeAdded,
        AuditAction::RoundRecusalAdded,
        AuditAction::RoundOpened,
        AuditAction::RoundPresenting,
        AuditAction::RoundPaperSheet,
        AuditAction::RoundPaperSheetForPhoneJudge,
        AuditAction::RoundSheetReopened,
        AuditAction::RoundClosed,
        AuditAction::RoundPublished,
        AuditAction::RoundObjectionFiled,
        AuditAction::RoundObjectionAnswered,
        AuditAction::RoundConfirmed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AuditAction::AccountRegistered => "account.registered",
            AuditAction::AccountCreatedByStaff => "account.created_by_staff",
            AuditAction::AccountCommunitySet => "account.community_set",
            AuditAction::PasswordReset => "account.password_reset",
            AuditAction::PasswordChanged => "account.password_changed",
            AuditAction::RoleGranted => "account.role_granted",
            AuditAction::CommunityCreated => "community.created",
            AuditAction::CommunityRenamed => "community.renamed",
            AuditAction::CourtyardCreated => "courtyard.created",
            AuditAction::OrganisationCreated => "organisation.created",
            AuditAction::ImportCommunities => "import.communities",
            AuditAction::ImportResidents => "import.residents",
            AuditAction::SeasonCreated => "season.created",
            AuditAction::SeasonAdvanced => "season.advanced",
            AuditAction::SeasonMovedBack => "season.moved_back",
            AuditAction::SeasonCalendarSet => "season.calendar_set",
            AuditAction::IdeaSubmitted => "idea.submitted",
            AuditAction::IdeaAccepted => "idea.accepted",
            AuditAction::IdeaMerged => "idea.merged",
            AuditAction::IdeaDeclined => "idea.declined",
            AuditAction::SeasonCategoriesSet => "season.categories_set",
            AuditAction::SeasonBudgetCapSet => "season.budget_cap_set",
            AuditAction::SeasonCoachingSet => "season.coaching_set",
            AuditAction::ProposalCreated => "proposal.created",
            AuditAction::ProposalRevised => "proposal.revised",
            AuditAction::ProposalMemberInvited => "proposal.member_invited",
            AuditAction::ProposalInvitationAnswered => "proposal.invitation_answered",
            AuditAction::ProposalNoteAdded => "proposal.note_added",
            AuditAction::ProposalSignedOff => "proposal.signed_off",
            AuditAction::ProposalShortlisted => "proposal.shortlisted",
            AuditAction::RoundCreated => "round.created",
            AuditAction::RoundRulesSet => "round.rules_set",
            AuditAction::RoundDrawn => "round.drawn",
            AuditAction::RoundJudgeAdded => "round.judge_added",
            AuditAction::RoundRecusalAdded => "round.recusal_added",
            AuditAction::RoundOpened => "round.opened",
            AuditAction::RoundPresenting => "round.presenting",
            AuditAction::RoundPaperSheet => "round.paper_sheet",
            AuditAction::RoundPaperSheetForPhoneJudge => "round.paper_sheet_for_phone_judge",
            AuditAction::RoundSheetReopened => "round.sheet_reopened",
            AuditAction::RoundClosed => "round.closed",
            AuditAction::RoundPublished => "round.published",
            AuditAction::RoundObjectionFiled => "round.objection_filed",
            AuditAction::RoundObjectionAnswered => "round.objection_answered",
            AuditAction::RoundConfirmed => "round.confirmed",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The message id of the action's label (`audit-account-registered`, ...).
    pub fn message_id(self) -> String {
        format!("audit-{}", self.key().replace(['.', '_'], "-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_keys_are_unique_and_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(action.key()), Some(action));
        }
        let mut keys: Vec<_> = AuditAction::ALL.iter().map(|a| a.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), AuditAction::ALL.len());
    }
}
