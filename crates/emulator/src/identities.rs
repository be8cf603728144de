//! Every identity the emulator knows by name, written once: the credentials it accepts unless
//! told otherwise, and the test identities the real providers publish (or that the emulator
//! adds), each with what it answers. The addon exports them (`Emulator.identities`), and the
//! command line, the benchmark and the tests read them there instead of restating them.

/// A test identity and what the emulator answers to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answers {
    /// The HTTP status of the answer.
    pub status: u16,
    /// What happens, in a few words (the command line prints it).
    pub answers: &'static str,
}

/// TrustCaptcha (`GET /v2/verifications/{id}/results`).
pub mod trustcaptcha {
    use super::Answers;
    use base64::Engine;

    /// The API key the emulator accepts unless started with `trustcaptchaApiKey`.
    pub const API_KEY: &str = "emulator-trustcaptcha-api-key";

    /// The API key the real service refuses whatever the account: 403 `Invalid api key`.
    pub const INVALID_API_KEY: &str = "invalid-key";
    /// What `INVALID_API_KEY` (and any other wrong key) answers.
    pub const INVALID_API_KEY_ANSWERS: Answers = Answers {
        status: 403,
        answers: "refused with 403",
    };

    /// The published test verification ids are this followed by one digit N.
    pub const TEST_ID_PREFIX: &str = "00000000-0000-0000-0000-00000000000";

    /// A published test verification: its id and what fetching its result answers, whatever
    /// the (accepted) API key.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct TestVerification {
        pub verification_id: &'static str,
        pub answers: Answers,
    }

    /// The published test verifications, N = 0 to 4 (any other N is not found).
    pub const TEST_VERIFICATIONS: [TestVerification; 5] = [
        // A finished, passed verification (412 with `?clientFailover=true`: no outage recorded).
        test(0, 200, "passes"),
        test(1, 404, "not found (404)"),
        test(2, 423, "not finished (423)"),
        test(3, 410, "expired (410)"),
        test(4, 429, "retrieval limit (429)"),
    ];

    const IDS: [&str; 5] = [
        "00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-000000000001",
        "00000000-0000-0000-0000-000000000002",
        "00000000-0000-0000-0000-000000000003",
        "00000000-0000-0000-0000-000000000004",
    ];

    const fn test(n: usize, status: u16, answers: &'static str) -> TestVerification {
        TestVerification {
            verification_id: IDS[n],
            answers: Answers { status, answers },
        }
    }

    /// The widget's token for a verification id: base64 of `{"verificationId":"..."}`.
    pub fn token(verification_id: &str) -> String {
        let json = serde_json::json!({ "verificationId": verification_id });
        base64::engine::general_purpose::STANDARD.encode(json.to_string())
    }
}

/// Swetrix (`POST /v1/captcha/validate`).
pub mod swetrix {
    use super::Answers;

    /// The project secret the emulator accepts unless started with `swetrixSecret`.
    pub const SECRET: &str = "emulator-swetrix-secret";

    /// Swetrix's published test secret: any token succeeds (project `AP00000000000`).
    pub const PASS_SECRET: &str = "PASS000000000000000000";
    /// Swetrix's published test secret: any token fails with `Could not decrypt token`.
    pub const FAIL_SECRET: &str = "FAIL000000000000000000";
    /// Swetrix's published test secret: any token fails with `Token already used`.
    pub const USED_SECRET: &str = "USED000000000000000000";

    /// What each test secret answers, whatever the token.
    pub const PASS_ANSWERS: Answers = Answers {
        status: 200,
        answers: "succeeds",
    };
    pub const FAIL_ANSWERS: Answers = Answers {
        status: 400,
        answers: "could not decrypt",
    };
    pub const USED_ANSWERS: Answers = Answers {
        status: 400,
        answers: "already used",
    };
}

/// reCAPTCHA (`POST /recaptcha/api/siteverify`).
pub mod recaptcha {
    use super::Answers;

    /// The secret key the emulator accepts unless started with `recaptchaSecret`.
    pub const SECRET_KEY: &str = "emulator-recaptcha-secret";

    /// The secret key Google publishes for tests: every verification passes, any token.
    pub const TEST_SECRET_KEY: &str = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe";
    /// The hostname a verification with `TEST_SECRET_KEY` answers, as Google's does.
    pub const TEST_HOSTNAME: &str = "testkey.google.com";
    /// What `TEST_SECRET_KEY` answers.
    pub const TEST_SECRET_KEY_ANSWERS: Answers = Answers {
        status: 200,
        answers: "any token succeeds",
    };
}

/// Playtcha (`POST /v1/verify`). It publishes no test identity.
pub mod playtcha {
    /// The secret the emulator accepts unless started with `playtchaSecret`.
    pub const SECRET: &str = "emulator-playtcha-secret";
}

/// Cloudflare Turnstile (`POST /turnstile/v0/siteverify`).
pub mod turnstile {
    use super::Answers;

    /// The secret key the emulator accepts unless started with `turnstileSecret`.
    pub const SECRET: &str = "emulator-turnstile-secret";

    /// The token Cloudflare's test sitekeys give the browser, and the only one its test secret
    /// keys accept (a real token with a test secret is `invalid-input-secret`; this token with a
    /// real secret, `invalid-input-response`).
    pub const DUMMY_TOKEN: &str = "XXXX.DUMMY.TOKEN.XXXX";
    /// The hostname the passing test secret answers.
    pub const TEST_HOSTNAME: &str = "localhost";

    /// A published test secret key: what it answers to `DUMMY_TOKEN`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct TestSecret {
        pub secret: &'static str,
        /// The refusal's code; `None`: it passes.
        pub error_code: Option<&'static str>,
        pub answers: Answers,
    }

    /// Always passes (hostname `localhost`, `metadata.result_with_testing_key`).
    pub const PASS: TestSecret = TestSecret {
        secret: "1x0000000000000000000000000000000AA",
        error_code: None,
        answers: Answers {
            status: 200,
            answers: "passes",
        },
    };
    /// Always fails.
    pub const FAIL: TestSecret = TestSecret {
        secret: "2x0000000000000000000000000000000AA",
        error_code: Some("invalid-input-response"),
        answers: Answers {
            status: 200,
            answers: "invalid-input-response",
        },
    };
    /// Always answers that the token was already spent.
    pub const SPENT: TestSecret = TestSecret {
        secret: "3x0000000000000000000000000000000AA",
        error_code: Some("timeout-or-duplicate"),
        answers: Answers {
            status: 200,
            answers: "timeout-or-duplicate",
        },
    };
    /// The test secret keys, by the names `Emulator.identities` gives them.
    pub const TEST_SECRETS: [(&str, TestSecret); 3] = [("pass", PASS), ("fail", FAIL), ("spent", SPENT)];

    /// A published test sitekey: what the widget does with it. The emulator serves no widget;
    /// these are listed so that a page under test and its server agree.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct TestSitekey {
        pub sitekey: &'static str,
        pub widget: &'static str,
    }

    /// The test sitekeys, by the names `Emulator.identities` gives them. The passing ones give
    /// the browser `DUMMY_TOKEN`.
    pub const TEST_SITEKEYS: [(&str, TestSitekey); 5] = [
        ("passVisible", sitekey("1x00000000000000000000AA", "passes, visible")),
        ("failVisible", sitekey("2x00000000000000000000AB", "fails, visible")),
        (
            "passInvisible",
            sitekey("1x00000000000000000000BB", "passes, invisible"),
        ),
        ("failInvisible", sitekey("2x00000000000000000000BB", "fails, invisible")),
        (
            "interactive",
            sitekey("3x00000000000000000000FF", "forces an interactive challenge"),
        ),
    ];

    const fn sitekey(sitekey: &'static str, widget: &'static str) -> TestSitekey {
        TestSitekey { sitekey, widget }
    }
}

/// hCaptcha (`POST /siteverify`).
pub mod hcaptcha {
    use super::Answers;

    /// The secret the emulator accepts unless started with `hcaptchaSecret`.
    pub const SECRET: &str = "emulator-hcaptcha-secret";
    /// The sitekey of the emulator's tokens unless started with `hcaptchaSitekey` (or the
    /// token's claims give another): a request's `sitekey`, when sent, must be it.
    pub const SITEKEY: &str = "emulator-hcaptcha-sitekey";

    /// hCaptcha's test secret: it verifies the test tokens only (anything else is
    /// `not-using-dummy-passcode`, as a test token or sitekey with another secret is).
    pub const TEST_SECRET: &str = "0x0000000000000000000000000000000000000000";
    /// The hostname the test tokens answer.
    pub const TEST_HOSTNAME: &str = "dummy-key-pass";

    /// A published test key set: a sitekey, the token its widget gives, and what the test
    /// secret answers to that token (any number of times).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct TestKeys {
        pub sitekey: &'static str,
        pub token: &'static str,
        /// The Enterprise score (higher: more likely a bot); `None` on a Publisher account.
        pub score: Option<f64>,
        pub score_reason: &'static [&'static str],
        pub answers: Answers,
    }

    /// The test key sets, by the names `Emulator.identities` gives them.
    pub const TEST_KEYS: [(&str, TestKeys); 3] = [
        (
            "publisher",
            TestKeys {
                sitekey: "10000000-ffff-ffff-ffff-000000000001",
                token: "10000000-aaaa-bbbb-cccc-000000000001",
                score: None,
                score_reason: &[],
                answers: Answers {
                    status: 200,
                    answers: "passes",
                },
            },
        ),
        (
            "enterpriseSafeUser",
            TestKeys {
                sitekey: "20000000-ffff-ffff-ffff-000000000002",
                token: "20000000-aaaa-bbbb-cccc-000000000002",
                score: Some(0.0),
                score_reason: &[],
                answers: Answers {
                    status: 200,
                    answers: "passes, score 0 (safe)",
                },
            },
        ),
        (
            "enterpriseBotDetected",
            TestKeys {
                sitekey: "30000000-ffff-ffff-ffff-000000000003",
                token: "30000000-aaaa-bbbb-cccc-000000000003",
                score: Some(1.0),
                score_reason: &["bot detected"],
                answers: Answers {
                    status: 200,
                    answers: "passes, score 1 (bot)",
                },
            },
        ),
    ];
}

/// reCAPTCHA Enterprise (`POST /v1/projects/{project}/assessments?key=`). Google publishes no
/// test keys: a key's `testingOptions` fix its score. The emulator has two such keys.
pub mod recaptcha_enterprise {
    use super::Answers;

    /// The API key the emulator accepts unless started with `recaptchaEnterpriseApiKey`.
    pub const API_KEY: &str = "emulator-recaptcha-enterprise-api-key";
    /// The project unless started with `recaptchaEnterpriseProjectId`.
    pub const PROJECT_ID: &str = "emulator-project";
    /// The site key the emulator's tokens are for unless started with `recaptchaEnterpriseSiteKey`.
    pub const SITE_KEY: &str = "emulator-recaptcha-enterprise-site-key";
    /// The hostname a test key's assessment answers.
    pub const TEST_HOSTNAME: &str = "localhost";

    /// A site key with `testingOptions.testingScore`: any token is valid, with that score.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct TestSiteKey {
        pub site_key: &'static str,
        pub testing_score: f64,
        pub answers: Answers,
    }

    pub const TEST_SITE_KEYS: [(&str, TestSiteKey); 2] = [
        (
            "human",
            TestSiteKey {
                site_key: "emulator-recaptcha-enterprise-test-human",
                testing_score: 0.9,
                answers: Answers {
                    status: 200,
                    answers: "any token is valid, score 0.9",
                },
            },
        ),
        (
            "bot",
            TestSiteKey {
                site_key: "emulator-recaptcha-enterprise-test-bot",
                testing_score: 0.1,
                answers: Answers {
                    status: 200,
                    answers: "any token is valid, score 0.1",
                },
            },
        ),
    ];
}

/// Friendly Captcha v2 (`POST /api/v2/captcha/siteverify`). Its test identities are those of its
/// SDK test server, not of the API: none is published for the real service.
pub mod friendly_captcha {
    /// The API key the emulator accepts unless started with `friendlyCaptchaApiKey`.
    pub const API_KEY: &str = "emulator-friendly-captcha-api-key";
    /// The account's sitekey unless started with `friendlyCaptchaSitekey`: a request's
    /// `sitekey`, when sent, must be it.
    pub const SITEKEY: &str = "emulator-friendly-captcha-sitekey";
}

/// Every identity, in the shape JavaScript reads as `Emulator.identities`: per provider, the
/// default credential and each test identity with its status and what it answers.
pub fn to_json() -> serde_json::Value {
    use serde_json::json;
    let answered = |answers: Answers| json!({ "status": answers.status, "answers": answers.answers });
    let with = |mut fields: serde_json::Value, answers: Answers| {
        if let (Some(fields), serde_json::Value::Object(more)) = (fields.as_object_mut(), answered(answers)) {
            fields.extend(more);
        }
        fields
    };
    /// An object of the entries, in their order.
    fn named<'a>(entries: impl IntoIterator<Item = (&'a str, serde_json::Value)>) -> serde_json::Value {
        serde_json::Value::Object(
            entries
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        )
    }
    let test_verifications: Vec<_> = trustcaptcha::TEST_VERIFICATIONS
        .iter()
        .map(|test| {
            let id = test.verification_id;
            with(
                json!({ "verificationId": id, "token": trustcaptcha::token(id) }),
                test.answers,
            )
        })
        .collect();
    json!({
        "trustcaptcha": {
            "apiKey": trustcaptcha::API_KEY,
            "invalidApiKey": with(json!({ "apiKey": trustcaptcha::INVALID_API_KEY }), trustcaptcha::INVALID_API_KEY_ANSWERS),
            "testVerifications": test_verifications,
        },
        "swetrix": {
            "secret": swetrix::SECRET,
            "testSecrets": {
                "pass": with(json!({ "secret": swetrix::PASS_SECRET }), swetrix::PASS_ANSWERS),
                "fail": with(json!({ "secret": swetrix::FAIL_SECRET }), swetrix::FAIL_ANSWERS),
                "used": with(json!({ "secret": swetrix::USED_SECRET }), swetrix::USED_ANSWERS),
            },
        },
        "recaptcha": {
            "secretKey": recaptcha::SECRET_KEY,
            "testSecretKey": with(
                json!({ "secretKey": recaptcha::TEST_SECRET_KEY, "hostname": recaptcha::TEST_HOSTNAME }),
                recaptcha::TEST_SECRET_KEY_ANSWERS,
            ),
        },
        "playtcha": { "secret": playtcha::SECRET },
        "turnstile": {
            "secret": turnstile::SECRET,
            "dummyToken": turnstile::DUMMY_TOKEN,
            "testSecrets": named(turnstile::TEST_SECRETS.map(|(name, test)| {
                let fields = match test.error_code {
                    None => json!({ "secret": test.secret, "hostname": turnstile::TEST_HOSTNAME }),
                    Some(_) => json!({ "secret": test.secret }),
                };
                (name, with(fields, test.answers))
            })),
            "testSitekeys": named(turnstile::TEST_SITEKEYS.map(|(name, test)| {
                (name, json!({ "sitekey": test.sitekey, "widget": test.widget }))
            })),
        },
        "hcaptcha": {
            "secret": hcaptcha::SECRET,
            "sitekey": hcaptcha::SITEKEY,
            "testSecret": hcaptcha::TEST_SECRET,
            "testKeys": named(hcaptcha::TEST_KEYS.map(|(name, keys)| {
                let mut fields = json!({ "sitekey": keys.sitekey, "token": keys.token, "hostname": hcaptcha::TEST_HOSTNAME });
                if let (Some(score), Some(object)) = (keys.score, fields.as_object_mut()) {
                    object.insert("score".into(), json!(score));
                    object.insert("scoreReason".into(), json!(keys.score_reason));
                }
                (name, with(fields, keys.answers))
            })),
        },
        "recaptcha-enterprise": {
            "apiKey": recaptcha_enterprise::API_KEY,
            "projectId": recaptcha_enterprise::PROJECT_ID,
            "siteKey": recaptcha_enterprise::SITE_KEY,
            "testSiteKeys": named(recaptcha_enterprise::TEST_SITE_KEYS.map(|(name, test)| {
                let fields = json!({
                    "siteKey": test.site_key,
                    "testingScore": test.testing_score,
                    "hostname": recaptcha_enterprise::TEST_HOSTNAME,
                });
                (name, with(fields, test.answers))
            })),
        },
        "friendly-captcha": { "apiKey": friendly_captcha::API_KEY, "sitekey": friendly_captcha::SITEKEY }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults are documented (README, "The emulator") and users' tests rely on them:
    /// changing one is a breaking change, so it takes changing this test too.
    #[test]
    fn the_documented_defaults_do_not_change() {
        assert_eq!(
            [
                trustcaptcha::API_KEY,
                swetrix::SECRET,
                recaptcha::SECRET_KEY,
                playtcha::SECRET,
                turnstile::SECRET,
                hcaptcha::SECRET,
                hcaptcha::SITEKEY,
                recaptcha_enterprise::API_KEY,
                recaptcha_enterprise::PROJECT_ID,
                recaptcha_enterprise::SITE_KEY,
                friendly_captcha::API_KEY,
                friendly_captcha::SITEKEY,
            ],
            [
                "emulator-trustcaptcha-api-key",
                "emulator-swetrix-secret",
                "emulator-recaptcha-secret",
                "emulator-playtcha-secret",
                "emulator-turnstile-secret",
                "emulator-hcaptcha-secret",
                "emulator-hcaptcha-sitekey",
                "emulator-recaptcha-enterprise-api-key",
                "emulator-project",
                "emulator-recaptcha-enterprise-site-key",
                "emulator-friendly-captcha-api-key",
                "emulator-friendly-captcha-sitekey",
            ]
        );
    }

    /// The identities the real providers publish, as they publish them: a typo here would pass
    /// every test that reads the identities back, so they are pinned by hand.
    #[test]
    fn the_published_identities_are_the_providers_own() {
        assert_eq!(recaptcha::TEST_SECRET_KEY, "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe");
        assert_eq!(recaptcha::TEST_HOSTNAME, "testkey.google.com");
        assert_eq!(
            [swetrix::PASS_SECRET, swetrix::FAIL_SECRET, swetrix::USED_SECRET],
            [
                "PASS000000000000000000",
                "FAIL000000000000000000",
                "USED000000000000000000"
            ]
        );
        assert_eq!(turnstile::DUMMY_TOKEN, "XXXX.DUMMY.TOKEN.XXXX");
        assert_eq!(
            turnstile::TEST_SECRETS.map(|(name, test)| (name, test.secret, test.error_code)),
            [
                ("pass", "1x0000000000000000000000000000000AA", None),
                (
                    "fail",
                    "2x0000000000000000000000000000000AA",
                    Some("invalid-input-response")
                ),
                (
                    "spent",
                    "3x0000000000000000000000000000000AA",
                    Some("timeout-or-duplicate")
                ),
            ]
        );
        assert_eq!(
            turnstile::TEST_SITEKEYS.map(|(_, test)| test.sitekey),
            [
                "1x00000000000000000000AA",
                "2x00000000000000000000AB",
                "1x00000000000000000000BB",
                "2x00000000000000000000BB",
                "3x00000000000000000000FF",
            ]
        );
        assert_eq!(hcaptcha::TEST_SECRET, "0x0000000000000000000000000000000000000000");
        assert_eq!(hcaptcha::TEST_HOSTNAME, "dummy-key-pass");
        assert_eq!(
            hcaptcha::TEST_KEYS.map(|(name, keys)| (name, keys.sitekey, keys.token)),
            [
                (
                    "publisher",
                    "10000000-ffff-ffff-ffff-000000000001",
                    "10000000-aaaa-bbbb-cccc-000000000001"
                ),
                (
                    "enterpriseSafeUser",
                    "20000000-ffff-ffff-ffff-000000000002",
                    "20000000-aaaa-bbbb-cccc-000000000002"
                ),
                (
                    "enterpriseBotDetected",
                    "30000000-ffff-ffff-ffff-000000000003",
                    "30000000-aaaa-bbbb-cccc-000000000003"
                ),
            ]
        );
        assert_eq!(trustcaptcha::INVALID_API_KEY, "invalid-key");
        let statuses: Vec<(&str, u16)> = trustcaptcha::TEST_VERIFICATIONS
            .iter()
            .map(|test| (test.verification_id, test.answers.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("00000000-0000-0000-0000-000000000000", 200),
                ("00000000-0000-0000-0000-000000000001", 404),
                ("00000000-0000-0000-0000-000000000002", 423),
                ("00000000-0000-0000-0000-000000000003", 410),
                ("00000000-0000-0000-0000-000000000004", 429),
            ]
        );
    }

    #[test]
    fn test_verification_ids_are_the_prefix_and_their_index() {
        for (n, test) in trustcaptcha::TEST_VERIFICATIONS.iter().enumerate() {
            assert_eq!(test.verification_id, format!("{}{n}", trustcaptcha::TEST_ID_PREFIX));
        }
        assert_eq!(
            trustcaptcha::token(trustcaptcha::TEST_VERIFICATIONS[0].verification_id),
            "eyJ2ZXJpZmljYXRpb25JZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJ9"
        );
    }
}
