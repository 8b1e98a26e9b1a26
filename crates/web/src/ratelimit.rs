//! Login attempts are limited per mobile number and per client address, so that a password
//! cannot be guessed by trying many. The counters live in the process: with several servers
//! behind a balancer each keeps its own, which still bounds guessing to a small multiple.
//!
//! An attempt is counted *before* its password is checked: [`LoginLimiter::reserve`] takes a
//! place under both limits at once, under one lock, and only a correct password gives the
//! number's place back. Checking first and counting after the slow hash let 200 parallel
//! guesses through where five were allowed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Wrong passwords one number may receive per window.
pub const PER_PHONE: u32 = 5;
/// Wrong passwords from one address per window. Higher than per number: a community
/// centre's Wi-Fi puts many residents behind one address.
pub const PER_ADDRESS: u32 = 100;
/// Registrations refused because the number already had an account, per address and window:
/// that answer tells whether a number is registered, so it may not be asked for in bulk.
pub const REGISTERED_PER_ADDRESS: u32 = 10;

/// Counters, each `(count, window start)`.
#[derive(Default)]
pub struct LoginLimiter {
    counters: Mutex<HashMap<String, (u32, Instant)>>,
}

/// A place taken under the limits for one login attempt.
#[derive(Debug)]
pub struct Attempt {
    phone_key: String,
    address_key: String,
}

fn phone_key(phone: &str) -> String {
    format!("p:{phone}")
}

fn address_key(prefix: &str, addr: Option<IpAddr>) -> String {
    format!(
        "{prefix}:{}",
        addr.map(|a| a.to_string()).unwrap_or_default()
    )
}

type Counters = HashMap<String, (u32, Instant)>;

fn current(map: &Counters, key: &str) -> u32 {
    map.get(key)
        .filter(|(_, since)| since.elapsed() <= WINDOW)
        .map_or(0, |(n, _)| *n)
}

fn bump(map: &mut Counters, key: &str) {
    let entry = map.entry(key.to_owned()).or_insert((0, Instant::now()));
    if entry.1.elapsed() > WINDOW {
        *entry = (0, Instant::now());
    }
    entry.0 += 1;
}

fn give_back(map: &mut Counters, key: &str) {
    if let Some(entry) = map.get_mut(key) {
        entry.0 = entry.0.saturating_sub(1);
    }
}

impl LoginLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        // A poisoned lock only means another request panicked mid-update; the counts are
        // still counts, and failing open here would switch the limit off.
        let mut map = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() <= WINDOW);
        }
        map
    }

    /// Takes a place for one attempt on `phone` from `addr`, or `None` when either limit is
    /// reached. The place counts as a failure until [`Self::succeeded`] or [`Self::release`].
    pub fn reserve(&self, phone: &str, addr: Option<IpAddr>) -> Option<Attempt> {
        let attempt = Attempt {
            phone_key: phone_key(phone),
            address_key: address_key("a", addr),
        };
        let mut map = self.lock();
        if current(&map, &attempt.phone_key) >= PER_PHONE
            || current(&map, &attempt.address_key) >= PER_ADDRESS
        {
            return None;
        }
        bump(&mut map, &attempt.phone_key);
        bump(&mut map, &attempt.address_key);
        Some(attempt)
    }

    /// The password was right: the number's count starts afresh and the address gets its
    /// place back.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut map = self.lock();
        map.remove(&attempt.phone_key);
        give_back(&mut map, &attempt.address_key);
    }

    /// The attempt was never made (the server was too busy to check the password).
    pub fn release(&self, attempt: Attempt) {
        let mut map = self.lock();
        give_back(&mut map, &attempt.phone_key);
        give_back(&mut map, &attempt.address_key);
    }

    /// Whether `addr` may still be told that a number is already registered.
    pub fn may_reveal_registered(&self, addr: Option<IpAddr>) -> bool {
        current(&self.lock(), &address_key("r", addr)) < REGISTERED_PER_ADDRESS
    }

    /// `addr` was just told that a number is already registered.
    pub fn revealed_registered(&self, addr: Option<IpAddr>) {
        bump(&mut self.lock(), &address_key("r", addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn five_wrong_passwords_lock_the_number_but_not_another() {
        let limiter = LoginLimiter::default();
        for _ in 0..PER_PHONE {
            assert!(limiter.reserve("13800000001", addr(1)).is_some());
        }
        assert!(limiter.reserve("13800000001", addr(1)).is_none());
        assert!(
            limiter.reserve("13800000001", addr(2)).is_none(),
            "from anywhere"
        );
        assert!(limiter.reserve("13800000002", addr(1)).is_some());
    }

    #[test]
    fn places_are_taken_before_the_check_so_parallel_attempts_cannot_overrun() {
        let limiter = std::sync::Arc::new(LoginLimiter::default());
        let granted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..200)
                .map(|_| {
                    let limiter = limiter.clone();
                    s.spawn(move || limiter.reserve("13800000001", addr(1)).is_some())
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok())
                .filter(|ok| *ok)
                .count()
        });
        assert_eq!(granted, PER_PHONE as usize);
    }

    #[test]
    fn a_right_password_clears_the_number_and_a_released_place_is_returned() {
        let limiter = LoginLimiter::default();
        for _ in 0..PER_PHONE - 1 {
            limiter.reserve("13800000001", addr(1));
        }
        let last = limiter
            .reserve("13800000001", addr(1))
            .expect("the fifth place");
        limiter.succeeded(last);
        for _ in 0..PER_PHONE {
            assert!(limiter.reserve("13800000001", addr(1)).is_some());
        }
        let limiter = LoginLimiter::default();
        for _ in 0..PER_PHONE * 3 {
            let a = limiter
                .reserve("13800000009", addr(1))
                .expect("released each time");
            limiter.release(a);
        }
    }

    #[test]
    fn one_address_reaches_its_own_limit_across_numbers() {
        let limiter = LoginLimiter::default();
        for i in 0..PER_ADDRESS {
            assert!(limiter.reserve(&format!("139{i:08}"), addr(7)).is_some());
        }
        assert!(limiter.reserve("13700000000", addr(7)).is_none());
        assert!(limiter.reserve("13700000000", addr(8)).is_some());
    }

    #[test]
    fn an_address_may_learn_only_a_few_registered_numbers() {
        let limiter = LoginLimiter::default();
        for _ in 0..REGISTERED_PER_ADDRESS {
            assert!(limiter.may_reveal_registered(addr(3)));
            limiter.revealed_registered(addr(3));
        }
        assert!(!limiter.may_reveal_registered(addr(3)));
        assert!(limiter.may_reveal_registered(addr(4)));
    }
}
