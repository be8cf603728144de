//! The checks a server makes on a verdict the provider passed, as Google's PHP library
//! (google/recaptcha, `ReCaptcha::verify`) makes them: every failing check is reported, in this
//! order, with the library's codes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::errors::CaptchaError;

pub const HOSTNAME_MISMATCH: &str = "hostname-mismatch";
pub const APK_PACKAGE_NAME_MISMATCH: &str = "apk_package_name-mismatch";
pub const ACTION_MISMATCH: &str = "action-mismatch";
pub const SCORE_THRESHOLD_NOT_MET: &str = "score-threshold-not-met";
/// hCaptcha Enterprise's score is a risk score (1 is a bot): ours, for `maxScore`.
pub const SCORE_THRESHOLD_EXCEEDED: &str = "score-threshold-exceeded";
pub const CHALLENGE_TIMEOUT: &str = "challenge-timeout";

/// What a verdict must also show. Names are compared case-insensitively (PHP's `strcasecmp`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checks {
    /// Any of these, lower-cased.
    pub hostnames: Option<Vec<String>>,
    /// Lower-cased.
    pub apk_package_name: Option<String>,
    /// Lower-cased.
    pub action: Option<String>,
    /// The score must be at least this (reCAPTCHA v3: 1 is a human).
    pub min_score: Option<f64>,
    /// The score must be at most this (hCaptcha Enterprise: 1 is a bot).
    pub max_score: Option<f64>,
    /// The challenge must have been solved at most this long ago.
    pub max_age: Option<Duration>,
}

/// The caller's checks, as given: trimmed, lower-cased and range-checked here.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub expected_hostname: Option<Vec<String>>,
    pub expected_apk_package_name: Option<String>,
    pub expected_action: Option<String>,
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
    pub max_age_ms: Option<f64>,
}

fn name(option: &str, value: &str) -> Result<String, CaptchaError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CaptchaError::invalid_argument(format!(
            "{option} must be a non-empty string"
        )));
    }
    Ok(value.to_lowercase())
}

/// A score option (`minScore`, `maxScore`): a number from 0 to 1.
pub(crate) fn score_option(option: &str, value: Option<f64>) -> Result<Option<f64>, CaptchaError> {
    match value {
        Some(score) if !(score.is_finite() && (0.0..=1.0).contains(&score)) => Err(CaptchaError::invalid_argument(
            format!("{option} must be a number from 0 to 1"),
        )),
        score => Ok(score),
    }
}

impl CheckOptions {
    pub fn checks(&self) -> Result<Checks, CaptchaError> {
        let hostnames = match &self.expected_hostname {
            Some(names) if names.is_empty() => {
                return Err(CaptchaError::invalid_argument(
                    "expectedHostname must be a non-empty string or a non-empty list of them",
                ))
            }
            Some(names) => Some(
                names
                    .iter()
                    .map(|n| name("expectedHostname", n))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        let max_age = match self.max_age_ms {
            None => None,
            Some(ms) if ms.is_finite() && ms > 0.0 && ms <= crate::transport::MAX_TIMEOUT_MS => {
                Some(Duration::from_micros((ms * 1000.0) as u64))
            }
            Some(_) => {
                return Err(CaptchaError::invalid_argument(
                    "maxAgeMs must be a number of milliseconds above 0",
                ))
            }
        };
        Ok(Checks {
            hostnames,
            apk_package_name: self
                .expected_apk_package_name
                .as_deref()
                .map(|n| name("expectedApkPackageName", n))
                .transpose()?,
            action: self
                .expected_action
                .as_deref()
                .map(|n| name("expectedAction", n))
                .transpose()?,
            min_score: score_option("minScore", self.min_score)?,
            max_score: score_option("maxScore", self.max_score)?,
            max_age,
        })
    }
}

impl Checks {
    /// The codes of the checks `verdict` (the provider's, with its wire names) fails, in the PHP
    /// library's order. A field the check needs that is missing fails it: an answer without a
    /// score cannot meet a threshold, one without `challenge_ts` cannot prove its age.
    pub fn failed(&self, verdict: &Map<String, Value>, now: SystemTime) -> Vec<&'static str> {
        let text = |field: &str| verdict.get(field).and_then(Value::as_str).map(str::to_lowercase);
        let score = verdict.get("score").and_then(Value::as_f64);
        let mut failed = Vec::new();
        if let Some(expected) = &self.hostnames {
            if !text("hostname").is_some_and(|seen| expected.contains(&seen)) {
                failed.push(HOSTNAME_MISMATCH);
            }
        }
        if let Some(expected) = &self.apk_package_name {
            if text("apk_package_name").as_ref() != Some(expected) {
                failed.push(APK_PACKAGE_NAME_MISMATCH);
            }
        }
        if let Some(expected) = &self.action {
            if text("action").as_ref() != Some(expected) {
                failed.push(ACTION_MISMATCH);
            }
        }
        if let Some(min) = self.min_score {
            // As PHP's `$threshold > $score`: a missing score counts as 0, so only `minScore: 0`
            // passes an answer without one (a v2 token).
            if score.unwrap_or(0.0) < min {
                failed.push(SCORE_THRESHOLD_NOT_MET);
            }
        }
        if let Some(max) = self.max_score {
            if !score.is_some_and(|score| score <= max) {
                failed.push(SCORE_THRESHOLD_EXCEEDED);
            }
        }
        if let Some(max_age) = self.max_age {
            let solved = verdict
                .get("challenge_ts")
                .and_then(Value::as_str)
                .and_then(parse_timestamp);
            let young = solved.is_some_and(|solved| now.duration_since(solved).map_or(true, |age| age <= max_age));
            if !young {
                failed.push(CHALLENGE_TIMEOUT);
            }
        }
        failed
    }
}

/// An RFC 3339 timestamp (`2026-11-28T10:45:06Z`, with fractions or an offset) as a time.
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (body, offset_seconds) = if let Some(body) = text.strip_suffix(['Z', 'z']) {
        (body, 0i64)
    } else {
        let split = text.len().checked_sub(6)?;
        let (body, offset) = text.split_at_checked(split)?;
        let sign = match offset.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (hours, minutes) = offset[1..].split_once(':')?;
        let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
        (body, sign * (hours * 3600 + minutes * 60))
    };
    let utc = humantime::parse_rfc3339_weak(body).ok()?;
    let shift = Duration::from_secs(offset_seconds.unsigned_abs());
    if offset_seconds >= 0 {
        utc.checked_sub(shift)
    } else {
        utc.checked_add(shift)
    }
    .filter(|time| *time >= UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn at(text: &str) -> SystemTime {
        parse_timestamp(text).unwrap()
    }

    #[test]
    fn timestamps_in_each_providers_form_parse() {
        let base = at("2026-11-28T10:45:06Z");
        assert_eq!(
            base.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_795_862_706 // date -d 2026-11-28T10:45:06Z +%s
        );
        assert_eq!(at("2026-11-28T10:45:06.096Z"), base + Duration::from_millis(96));
        assert_eq!(at("2026-11-28T11:45:06+01:00"), base);
        assert_eq!(at("2026-11-28T09:45:06-01:00"), base);
        for bad in [
            "",
            "yesterday",
            "2026-11-28",
            "2026-11-28T10:45:06+0100",
            "2026-13-28T10:45:06Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_failing_check_is_reported_in_the_php_librarys_order() {
        let checks = CheckOptions {
            expected_hostname: Some(vec!["Example.com".into(), " www.example.com ".into()]),
            expected_apk_package_name: Some("com.example.app".into()),
            expected_action: Some("Login".into()),
            min_score: Some(0.5),
            max_score: None,
            max_age_ms: Some(60_000.0),
        }
        .checks()
        .unwrap();
        let now = at("2026-11-28T10:46:06Z");
        let pass = map(
            json!({"success": true, "hostname": "WWW.EXAMPLE.COM", "apk_package_name": "com.example.APP",
            "action": "LOGIN", "score": 0.5, "challenge_ts": "2026-11-28T10:45:06Z"}),
        );
        assert_eq!(checks.failed(&pass, now), Vec::<&str>::new());
        let fail = map(
            json!({"success": true, "hostname": "evil.com", "apk_package_name": "com.evil",
            "action": "signup", "score": 0.4, "challenge_ts": "2026-11-28T10:45:05Z"}),
        );
        assert_eq!(
            checks.failed(&fail, now),
            vec![
                HOSTNAME_MISMATCH,
                APK_PACKAGE_NAME_MISMATCH,
                ACTION_MISMATCH,
                SCORE_THRESHOLD_NOT_MET,
                CHALLENGE_TIMEOUT
            ]
        );
        // Missing fields fail their checks.
        assert_eq!(checks.failed(&map(json!({"success": true})), now).len(), 5);
        // As in PHP, a missing score counts as 0: only a threshold of 0 passes it.
        let zero = CheckOptions {
            min_score: Some(0.0),
            ..Default::default()
        }
        .checks()
        .unwrap();
        assert!(zero.failed(&map(json!({"success": true})), now).is_empty());
        assert!(Checks::default().failed(&map(json!({"success": true})), now).is_empty());
    }

    #[test]
    fn a_risk_score_is_held_under_its_maximum() {
        let checks = CheckOptions {
            max_score: Some(0.3),
            ..Default::default()
        }
        .checks()
        .unwrap();
        let now = SystemTime::now();
        assert!(checks.failed(&map(json!({"score": 0.3})), now).is_empty());
        assert_eq!(
            checks.failed(&map(json!({"score": 0.31})), now),
            vec![SCORE_THRESHOLD_EXCEEDED]
        );
        assert_eq!(checks.failed(&map(json!({})), now), vec![SCORE_THRESHOLD_EXCEEDED]);
    }

    #[test]
    fn unusable_checks_are_invalid_arguments() {
        let bad = [
            CheckOptions {
                expected_hostname: Some(vec![]),
                ..Default::default()
            },
            CheckOptions {
                expected_hostname: Some(vec![" ".into()]),
                ..Default::default()
            },
            CheckOptions {
                expected_action: Some("".into()),
                ..Default::default()
            },
            CheckOptions {
                min_score: Some(1.5),
                ..Default::default()
            },
            CheckOptions {
                max_score: Some(f64::NAN),
                ..Default::default()
            },
            CheckOptions {
                max_age_ms: Some(0.0),
                ..Default::default()
            },
        ];
        for options in bad {
            let error = options.checks().unwrap_err();
            assert_eq!(error.kind, crate::errors::ErrorKind::InvalidArgument, "{options:?}");
        }
    }
}
