//! What `Emulator.start()` takes: its options, and the credentials drawn from them.

use serde::{Deserialize, Serialize};

use crate::identities;
use captcha_core::errors::CaptchaError;

/// `Emulator.start()` options. No `Debug`: it holds the credentials.
// Serialize too: `schema` reads the field list off a round trip.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmulatorOptions {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub trustcaptcha_api_key: Option<String>,
    pub swetrix_secret: Option<String>,
    pub recaptcha_secret: Option<String>,
    pub playtcha_secret: Option<String>,
    pub turnstile_secret: Option<String>,
    pub hcaptcha_secret: Option<String>,
    pub hcaptcha_sitekey: Option<String>,
    pub recaptcha_enterprise_api_key: Option<String>,
    pub recaptcha_enterprise_project_id: Option<String>,
    pub recaptcha_enterprise_site_key: Option<String>,
    pub friendly_captcha_api_key: Option<String>,
    pub friendly_captcha_sitekey: Option<String>,
    /// Serve HTTPS with a certificate from an authority made at start (`certificate`).
    pub tls: Option<bool>,
    /// Close a connection when no new request has begun this many milliseconds after an answer,
    /// as a server's keep-alive timeout does (Node's `server.keepAliveTimeout`), without
    /// `Connection: close`. Unset: connections stay open until the client closes them.
    pub keep_alive_timeout_ms: Option<u32>,
}

/// The credentials the emulator accepts.
// No `Debug`: a user may pass real ones.
#[derive(Clone)]
pub struct EmulatorCredentials {
    pub trustcaptcha_api_key: String,
    pub swetrix_secret: String,
    pub recaptcha_secret: String,
    pub playtcha_secret: String,
    pub turnstile_secret: String,
    pub hcaptcha_secret: String,
    /// Not a secret, but what the emulator's hCaptcha tokens are for.
    pub hcaptcha_sitekey: String,
    pub recaptcha_enterprise_api_key: String,
    /// Not a secret: the project whose path the API key is for.
    pub recaptcha_enterprise_project_id: String,
    /// Not a secret: the key the emulator's tokens are for.
    pub recaptcha_enterprise_site_key: String,
    /// The API key Friendly Captcha's siteverify accepts (`X-API-Key`).
    pub friendly_captcha_api_key: String,
    /// The account's sitekey: a request's `sitekey`, when sent, must be it.
    pub friendly_captcha_sitekey: String,
}

impl Default for EmulatorCredentials {
    /// The documented defaults (`identities`).
    fn default() -> Self {
        Self {
            trustcaptcha_api_key: identities::trustcaptcha::API_KEY.into(),
            swetrix_secret: identities::swetrix::SECRET.into(),
            recaptcha_secret: identities::recaptcha::SECRET_KEY.into(),
            playtcha_secret: identities::playtcha::SECRET.into(),
            turnstile_secret: identities::turnstile::SECRET.into(),
            hcaptcha_secret: identities::hcaptcha::SECRET.into(),
            hcaptcha_sitekey: identities::hcaptcha::SITEKEY.into(),
            recaptcha_enterprise_api_key: identities::recaptcha_enterprise::API_KEY.into(),
            recaptcha_enterprise_project_id: identities::recaptcha_enterprise::PROJECT_ID.into(),
            recaptcha_enterprise_site_key: identities::recaptcha_enterprise::SITE_KEY.into(),
            friendly_captcha_api_key: identities::friendly_captcha::API_KEY.into(),
            friendly_captcha_sitekey: identities::friendly_captcha::SITEKEY.into(),
        }
    }
}

impl EmulatorCredentials {
    /// The options' credentials over the defaults; an empty or blank one is refused.
    pub fn from_options(options: &EmulatorOptions) -> Result<Self, CaptchaError> {
        let defaults = Self::default();
        let pick = |name: &str, given: &Option<String>, default: String| match given {
            None => Ok(default),
            Some(value) if value.trim().is_empty() => {
                Err(CaptchaError::invalid_argument(format!("{name} must not be empty")))
            }
            Some(value) => Ok(value.clone()),
        };
        Ok(Self {
            trustcaptcha_api_key: pick(
                "trustcaptchaApiKey",
                &options.trustcaptcha_api_key,
                defaults.trustcaptcha_api_key,
            )?,
            swetrix_secret: pick("swetrixSecret", &options.swetrix_secret, defaults.swetrix_secret)?,
            recaptcha_secret: pick("recaptchaSecret", &options.recaptcha_secret, defaults.recaptcha_secret)?,
            playtcha_secret: pick("playtchaSecret", &options.playtcha_secret, defaults.playtcha_secret)?,
            turnstile_secret: pick("turnstileSecret", &options.turnstile_secret, defaults.turnstile_secret)?,
            hcaptcha_secret: pick("hcaptchaSecret", &options.hcaptcha_secret, defaults.hcaptcha_secret)?,
            hcaptcha_sitekey: pick("hcaptchaSitekey", &options.hcaptcha_sitekey, defaults.hcaptcha_sitekey)?,
            recaptcha_enterprise_api_key: pick(
                "recaptchaEnterpriseApiKey",
                &options.recaptcha_enterprise_api_key,
                defaults.recaptcha_enterprise_api_key,
            )?,
            recaptcha_enterprise_project_id: match pick(
                "recaptchaEnterpriseProjectId",
                &options.recaptcha_enterprise_project_id,
                defaults.recaptcha_enterprise_project_id,
            )? {
                // The path is matched on it: it must be one a client can send.
                id if captcha_core::recaptcha_enterprise::is_project(&id) => id,
                _ => {
                    return Err(CaptchaError::invalid_argument(
                        "recaptchaEnterpriseProjectId must be a Google Cloud project id or number",
                    ))
                }
            },
            recaptcha_enterprise_site_key: pick(
                "recaptchaEnterpriseSiteKey",
                &options.recaptcha_enterprise_site_key,
                defaults.recaptcha_enterprise_site_key,
            )?,
            friendly_captcha_api_key: pick(
                "friendlyCaptchaApiKey",
                &options.friendly_captcha_api_key,
                defaults.friendly_captcha_api_key,
            )?,
            friendly_captcha_sitekey: pick(
                "friendlyCaptchaSitekey",
                &options.friendly_captcha_sitekey,
                defaults.friendly_captcha_sitekey,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_default_and_refuse_blanks() {
        let defaults = EmulatorCredentials::from_options(&EmulatorOptions::default()).unwrap();
        assert_eq!(
            [
                defaults.trustcaptcha_api_key.as_str(),
                &defaults.swetrix_secret,
                &defaults.recaptcha_secret,
                &defaults.playtcha_secret,
                &defaults.turnstile_secret,
                &defaults.hcaptcha_secret,
                &defaults.hcaptcha_sitekey,
            ],
            [
                "emulator-trustcaptcha-api-key",
                "emulator-swetrix-secret",
                "emulator-recaptcha-secret",
                "emulator-playtcha-secret",
                "emulator-turnstile-secret",
                "emulator-hcaptcha-secret",
                "emulator-hcaptcha-sitekey",
            ]
        );
        let options: EmulatorOptions = serde_json::from_str(
            r#"{"swetrixSecret":"s","recaptchaSecret":"r","playtchaSecret":"p","turnstileSecret":"t","hcaptchaSecret":"h","hcaptchaSitekey":"k"}"#,
        )
        .unwrap();
        let chosen = EmulatorCredentials::from_options(&options).unwrap();
        assert_eq!(
            [
                chosen.swetrix_secret.as_str(),
                &chosen.recaptcha_secret,
                &chosen.playtcha_secret,
                &chosen.turnstile_secret,
                &chosen.hcaptcha_secret,
                &chosen.hcaptcha_sitekey,
            ],
            ["s", "r", "p", "t", "h", "k"]
        );
        for name in [
            "trustcaptchaApiKey",
            "swetrixSecret",
            "recaptchaSecret",
            "playtchaSecret",
            "turnstileSecret",
            "hcaptchaSecret",
            "hcaptchaSitekey",
            "recaptchaEnterpriseApiKey",
            "recaptchaEnterpriseProjectId",
            "recaptchaEnterpriseSiteKey",
            "friendlyCaptchaApiKey",
            "friendlyCaptchaSitekey",
        ] {
            let options: EmulatorOptions = serde_json::from_str(&format!(r#"{{"{name}":" \t"}}"#)).unwrap();
            let Err(error) = EmulatorCredentials::from_options(&options) else {
                panic!("{name}: a blank credential was accepted")
            };
            assert_eq!(
                error.message.as_deref(),
                Some(format!("{name} must not be empty").as_str())
            );
        }
        assert!(serde_json::from_str::<EmulatorOptions>(r#"{"swetrixSecrets":"s"}"#).is_err());
    }

    #[test]
    fn the_keep_alive_timeout_is_whole_milliseconds_and_off_by_default() {
        let parse = |json: &str| serde_json::from_str::<EmulatorOptions>(json).map(|o| o.keep_alive_timeout_ms);
        assert_eq!(parse("{}").unwrap(), None);
        assert_eq!(parse(r#"{"keepAliveTimeoutMs":0}"#).unwrap(), Some(0));
        assert_eq!(parse(r#"{"keepAliveTimeoutMs":5000}"#).unwrap(), Some(5000));
        for bad in ["-1", "2.5", "\"3\"", "4294967296"] {
            assert!(parse(&format!(r#"{{"keepAliveTimeoutMs":{bad}}}"#)).is_err(), "{bad}");
        }
    }
}
