//! Login attempts are limited per mobile number and per client address, so that a password
//! cannot be guessed by trying many. The counters live in the process: with several servers
//! behind a balancer each keeps its own, which still bounds guessing to a small multiple.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const PER_PHONE: u32 = 5;
pub const PER_ADDRESS: u32 = 30;

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    fn keys(phone: &str, addr: Option<IpAddr>) -> [(String, u32); 2] {
        [
            (format!("p:{phone}"), PER_PHONE),
            (
                format!("a:{}", addr.map(|a| a.to_string()).unwrap_or_default()),
                PER_ADDRESS,
            ),
        ]
    }

    /// Whether another attempt may be made now.
    pub fn allowed(&self, phone: &str, addr: Option<IpAddr>) -> bool {
        let Ok(map) = self.failures.lock() else {
            return true;
        };
        Self::keys(phone, addr).iter().all(|(key, max)| {
            map.get(key)
                .is_none_or(|(n, since)| since.elapsed() > WINDOW || n < max)
        })
    }

    pub fn failed(&self, phone: &str, addr: Option<IpAddr>) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() <= WINDOW);
        }
        for (key, _) in Self::keys(phone, addr) {
            let entry = map.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() > WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, phone: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("p:{phone}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_passwords_lock_the_number_but_not_another() {
        let limiter = LoginLimiter::default();
        for _ in 0..PER_PHONE {
            assert!(limiter.allowed("13800000001", None));
            limiter.failed("13800000001", None);
        }
        assert!(!limiter.allowed("13800000001", None));
        assert!(limiter.allowed("13800000002", None));
    }
}
