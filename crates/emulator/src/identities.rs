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
                playtcha::SECRET
            ],
            [
                "emulator-trustcaptcha-api-key",
                "emulator-swetrix-secret",
                "emulator-recaptcha-secret",
                "emulator-playtcha-secret"
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
