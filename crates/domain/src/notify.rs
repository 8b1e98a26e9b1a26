//! Messages the programme sends to people's phones, and the trait a sender implements.

/// A message to a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A coordinator or admin set a new password for the account.
    PasswordReset,
    /// A coordinator created an account for the resident.
    AccountCreated { community: String },
}

impl Message {
    pub fn kind(&self) -> &'static str {
        match self {
            Message::PasswordReset => "password_reset",
            Message::AccountCreated { .. } => "account_created",
        }
    }

    /// The SMS text (SMS in mainland China is sent in Chinese).
    pub fn text_zh(&self) -> String {
        match self {
            Message::PasswordReset => {
                "【创享】您的创享账号密码已由社区工作人员重置，请向其索取新密码并尽快登录修改。"
                    .to_owned()
            }
            Message::AccountCreated { community } => {
                format!("【创享】{community}社区已为您开通创享账号，可参与金点子征集。")
            }
        }
    }
}

/// Something that can deliver a message to a mobile number.
pub trait Notifier: Send + Sync {
    fn send(&self, phone: &str, message: &Message);
}

/// What the notification centre tells a person about their ideas and proposals. Each has a
/// message `notice-<key>` taking the idea's or proposal's title as `$subject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    IdeaAccepted,
    IdeaMerged,
    IdeaDeclined,
    /// Someone invited the person to a proposal's team.
    TeamInvitation,
    /// A coach left a note on a proposal the person is on.
    CoachNote,
    /// The coach signed the proposal off as ready.
    ProposalReady,
    /// The street shortlisted the proposal for the competition.
    ProposalShortlisted,
}

impl Notice {
    pub const ALL: [Notice; 7] = [
        Notice::IdeaAccepted,
        Notice::IdeaMerged,
        Notice::IdeaDeclined,
        Notice::TeamInvitation,
        Notice::CoachNote,
        Notice::ProposalReady,
        Notice::ProposalShortlisted,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Notice::IdeaAccepted => "idea-accepted",
            Notice::IdeaMerged => "idea-merged",
            Notice::IdeaDeclined => "idea-declined",
            Notice::TeamInvitation => "team-invitation",
            Notice::CoachNote => "coach-note",
            Notice::ProposalReady => "proposal-ready",
            Notice::ProposalShortlisted => "proposal-shortlisted",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.key() == key)
    }

    pub fn message_id(self) -> String {
        format!("notice-{}", self.key())
    }
}
