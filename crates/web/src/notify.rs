//! Notifiers the server can use. No SMS gateway is reachable from a street office's
//! intranet by default, so the one provided writes each message to the log.

use chuangxiang_domain::notify::{Message, Notifier};

/// Writes every message to the log instead of sending it.
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn send(&self, phone: &str, message: &Message) {
        tracing::info!(to = %phone, kind = message.kind(), "SMS (logged, not sent): {}", message.text_zh());
    }
}
