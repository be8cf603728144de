//! What every provider of the emulator keeps: issued tokens in a bounded map, and fresh random ids.

use std::collections::{HashMap, VecDeque};

use serde::de::DeserializeOwned;

use captcha_core::errors::CaptchaError;

/// Tokens (or verifications) kept at most per provider; the oldest are forgotten first, so a
/// long benchmark cannot grow the emulator without end.
pub const TOKEN_CAPACITY: usize = 100_000;

/// The claims of `issue(provider, claims)`, from their JSON; none at all gives the defaults.
pub fn parse_claims<C: DeserializeOwned + Default>(
    provider: &str,
    claims_json: Option<&str>,
) -> Result<C, CaptchaError> {
    match claims_json {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| CaptchaError::invalid_argument(format!("invalid {provider} claims: {e}"))),
        None => Ok(C::default()),
    }
}

/// An issued token: what it carries, when it was issued, and whether it was used (the tokens
/// of Swetrix, Playtcha and, unless their claims say otherwise, the siteverify providers'
/// verify once).
#[derive(Debug, Clone)]
pub struct Issued<C> {
    pub claims: C,
    pub issued_ms: i64,
    pub used: bool,
}

impl<C> BoundedMap<Issued<C>> {
    /// Keeps a fresh random token (`prefix` and 64 hex digits) carrying `claims`, and returns it.
    pub fn issue(&mut self, prefix: &str, claims: C, now_ms: i64) -> String {
        self.issue_as(random_token(prefix), claims, now_ms)
    }

    /// Moves the issue of `token` `by_ms` into the past (the emulated widgets' expired tokens).
    pub fn backdate(&mut self, token: &str, by_ms: i64) {
        if let Some(issued) = self.get_mut(token) {
            issued.issued_ms = issued.issued_ms.saturating_sub(by_ms);
        }
    }

    /// Keeps `token` (fresh and random: the provider's own form) carrying `claims`, and returns it.
    pub fn issue_as(&mut self, token: String, claims: C, now_ms: i64) -> String {
        let issued = Issued {
            claims,
            issued_ms: now_ms,
            used: false,
        };
        self.insert(token.clone(), issued);
        token
    }
}

/// A map that forgets its oldest entries once it holds `capacity` of them.
#[derive(Debug)]
pub struct BoundedMap<V> {
    entries: HashMap<String, V>,
    order: VecDeque<String>,
    capacity: usize,
}

impl<V> Default for BoundedMap<V> {
    fn default() -> Self {
        Self::new(TOKEN_CAPACITY)
    }
}

impl<V> BoundedMap<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Keeps `value` under `key`, forgetting the oldest entries once `capacity` are held. A key
    /// already held keeps its place and gets the new value.
    pub fn insert(&mut self, key: String, value: V) {
        if let Some(slot) = self.entries.get_mut(&key) {
            *slot = value;
            return;
        }
        while self.order.len() >= self.capacity {
            let Some(oldest) = self.order.pop_front() else { break };
            self.entries.remove(&oldest);
        }
        self.order.push_back(key.clone());
        self.entries.insert(key, value);
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.entries.get_mut(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// `count` random bytes from the OS.
pub fn random_bytes(count: usize) -> Vec<u8> {
    let mut buffer = vec![0u8; count];
    // The OS random source does not fail on supported platforms; zeros still make a valid id.
    let _ = getrandom::fill(&mut buffer);
    buffer
}

/// `bytes` random bytes from the OS, in lower-case hex (twice as many characters).
pub fn random_hex(bytes: usize) -> String {
    let buffer = random_bytes(bytes);
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes * 2);
    for b in buffer {
        hex.push(DIGITS[usize::from(b >> 4)] as char);
        hex.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    hex
}

/// A fresh URL-safe token: `prefix` then 64 random hex characters (256 bits).
pub fn random_token(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_past_its_capacity() {
        let mut map = BoundedMap::new(3);
        for n in 0..5 {
            map.insert(format!("k{n}"), n);
        }
        assert_eq!(map.len(), 3);
        assert_eq!((map.get("k0"), map.get("k1")), (None, None));
        assert_eq!((map.get("k2"), map.get("k4")), (Some(&2), Some(&4)));
        // Replacing a held key keeps its place and does not grow the map.
        map.insert("k2".into(), 20);
        assert_eq!((map.len(), map.get("k2")), (3, Some(&20)));
        map.insert("k5".into(), 5);
        assert_eq!((map.get("k2"), map.get("k3")), (None, Some(&3)));
        *map.get_mut("k3").unwrap() = 30;
        assert_eq!(map.get("k3"), Some(&30));
        assert!(map.contains_key("k3") && !map.contains_key("k2"));
        assert_eq!(BoundedMap::<u8>::default().capacity, TOKEN_CAPACITY);
    }

    #[test]
    fn tokens_are_fresh_and_url_safe() {
        let (a, b) = (random_token("t_"), random_token("t_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 66);
        assert!(a[2..].bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
