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
