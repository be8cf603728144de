//! The emulator's clock: real time plus however far `advance_time` moved it, and the RFC 3339
//! forms the providers write it in.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use captcha_core::errors::CaptchaError;

/// How far one `advance_time` call may move the clock (about a century either way).
pub const MAX_TIME_STEP_MS: f64 = 100.0 * 366.0 * 24.0 * 3600.0 * 1000.0;

/// The last millisecond of the year 9999: RFC 3339 has no later date.
const LATEST_ISO_MS: i64 = 253_402_300_799_999;

/// Real time shifted by an offset that tests move to make tokens and results expire.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Milliseconds since the epoch: real time plus every `advance` so far.
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as i64;
        real.saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock by `ms` (either way), at most `MAX_TIME_STEP_MS` at a time.
    pub fn advance(&self, ms: f64) -> Result<(), CaptchaError> {
        if !(ms.is_finite() && ms.abs() <= MAX_TIME_STEP_MS) {
            return Err(CaptchaError::invalid_argument(format!(
                "ms must be a number of milliseconds from -{MAX_TIME_STEP_MS} to {MAX_TIME_STEP_MS}"
            )));
        }
        let step = ms as i64;
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                Some(offset.saturating_add(step))
            });
        Ok(())
    }
}

/// The time at `ms` since the epoch, clamped to the years 1970 to 9999 (the emulator's clock can
/// be moved anywhere).
fn clamped_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.clamp(0, LATEST_ISO_MS) as u64)
}

/// RFC 3339 with milliseconds, e.g. `2026-11-21T10:00:00.123Z`.
pub fn iso_millis(ms: i64) -> String {
    humantime::format_rfc3339_millis(clamped_time(ms)).to_string()
}

/// RFC 3339 in whole seconds, as Google writes `challenge_ts`: `2026-11-21T10:00:00Z`.
pub fn iso_seconds(ms: i64) -> String {
    humantime::format_rfc3339_seconds(clamped_time(ms)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_and_prints_within_rfc_3339() {
        let clock = Clock::default();
        let before = clock.now_ms();
        clock.advance(60_000.0).unwrap();
        assert!(clock.now_ms() - before >= 60_000);
        assert!(clock.advance(f64::NAN).is_err());
        assert!(clock.advance(MAX_TIME_STEP_MS * 1.01).is_err());
        assert_eq!(iso_millis(1_000), "1970-01-01T00:00:01.000Z");
        assert_eq!(iso_seconds(1_999), "1970-01-01T00:00:01Z");
        assert_eq!(iso_seconds(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(iso_millis(-5), "1970-01-01T00:00:00.000Z");
    }
}
