//! The shapes JavaScript hands the emulator (its options, each provider's claims, fault rules),
//! read off the serde types themselves so that a test can hold the TypeScript declarations
//! (`index.d.ts`) to them: a field on one side only fails it (`__test__/emulator-schema.test.mjs`).
//!
//! Nothing here is written by hand: the fields of a type are those a deserialize-serialize round
//! trip gives, a field is optional when the type deserializes without it, and the fault kinds
//! and a rule's required fields come from serde's own errors.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::faults::{FaultAction, RuleSpec};
use crate::options::EmulatorOptions;
use crate::{friendlycaptcha, hcaptcha, playtcha, recaptcha, recaptcha_enterprise, swetrix, trustcaptcha, turnstile};

/// Whether JavaScript must give a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Presence {
    Required,
    Optional,
}

/// A type's fields, by their JavaScript names.
pub type Fields = BTreeMap<String, Presence>;

/// Every shape, by the name `index.d.ts` gives it; `FaultRule` maps each `kind` to its fields
/// (the target's `provider` and `times` included).
pub fn schema() -> Result<Value, String> {
    let mut rules = BTreeMap::new();
    for kind in variants::<FaultAction>("kind")? {
        let sample = sample::<RuleSpec>(json!({ "kind": kind }))?;
        rules.insert(kind, fields::<RuleSpec>(sample)?);
    }
    Ok(json!({
        "EmulatorOptions": fields::<EmulatorOptions>(json!({}))?,
        "TrustCaptchaClaims": fields::<trustcaptcha::Claims>(json!({}))?,
        "SwetrixClaims": fields::<swetrix::Claims>(json!({}))?,
        "RecaptchaClaims": fields::<recaptcha::Claims>(json!({}))?,
        "PlaytchaClaims": fields::<playtcha::Claims>(json!({}))?,
        "TurnstileClaims": fields::<turnstile::Claims>(json!({}))?,
        "HCaptchaClaims": fields::<hcaptcha::Claims>(json!({}))?,
        "RecaptchaEnterpriseClaims": fields::<recaptcha_enterprise::Claims>(json!({}))?,
        "FriendlyCaptchaClaims": fields::<friendlycaptcha::Claims>(json!({}))?,
        "FaultRule": rules,
    }))
}

/// The fields of `T`, from a `sample` it accepts: every field the round trip writes, each
/// optional when `T` still deserializes without it.
fn fields<T: DeserializeOwned + Serialize>(sample: Value) -> Result<Fields, String> {
    let parsed: T = serde_json::from_value(sample).map_err(|e| e.to_string())?;
    let Value::Object(full) = serde_json::to_value(&parsed).map_err(|e| e.to_string())? else {
        return Err("not an object".into());
    };
    let mut fields = Fields::new();
    for name in full.keys() {
        let mut without = full.clone();
        without.remove(name);
        let presence = match serde_json::from_value::<T>(Value::Object(without)) {
            Ok(_) => Presence::Optional,
            Err(_) => Presence::Required,
        };
        fields.insert(name.clone(), presence);
    }
    Ok(fields)
}

/// Values of each JSON kind, tried in turn for a required field of unknown type.
fn candidates() -> [Value; 5] {
    [json!(1), json!(""), json!(true), json!({}), json!([])]
}

/// `start` with every field `T` requires filled in, serde naming them one at a time.
fn sample<T: DeserializeOwned>(start: Value) -> Result<Value, String> {
    let Value::Object(mut doc) = start else {
        return Err("a sample is an object".into());
    };
    loop {
        let error = match serde_json::from_value::<T>(Value::Object(doc.clone())) {
            Ok(_) => return Ok(Value::Object(doc)),
            Err(error) => error.to_string(),
        };
        let Some(field) = quoted_after(&error, "missing field ").into_iter().next() else {
            return Err(format!("no sample: {error}"));
        };
        let accepted = candidates().into_iter().find(|value| {
            let mut tried: Map<String, Value> = doc.clone();
            tried.insert(field.clone(), value.clone());
            // Accepted, or refused for another field still missing.
            match serde_json::from_value::<T>(Value::Object(tried)) {
                Ok(_) => true,
                Err(e) => e.to_string().starts_with("missing field ") && !e.to_string().contains(&field),
            }
        });
        let Some(value) = accepted else {
            return Err(format!("no value of any kind fills `{field}`"));
        };
        doc.insert(field, value);
    }
}

/// The variant names of an internally tagged enum, as serde lists them when refusing an
/// unknown one.
fn variants<T: DeserializeOwned>(tag: &str) -> Result<Vec<String>, String> {
    let error = match serde_json::from_value::<T>(json!({ tag: "\u{0}" })) {
        Ok(_) => return Err("an unknown variant was accepted".into()),
        Err(error) => error.to_string(),
    };
    let listed = quoted_after(&error, "expected ");
    if listed.is_empty() {
        return Err(format!("no variants in: {error}"));
    }
    Ok(listed)
}

/// The names in backquotes after `marker` in a serde message.
fn quoted_after(message: &str, marker: &str) -> Vec<String> {
    let Some((_, rest)) = message.split_once(marker) else {
        return Vec::new();
    };
    rest.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_reads_fields_and_kinds_off_the_serde_types() {
        let schema = schema().unwrap();
        let kinds: Vec<&String> = schema["FaultRule"].as_object().unwrap().keys().collect();
        assert_eq!(
            kinds,
            ["close", "delay", "hang", "hugeBody", "nonJson", "reset", "status", "trickle"]
        );
        assert_eq!(
            schema["FaultRule"]["hugeBody"],
            json!({ "provider": "optional", "times": "optional", "kind": "required", "mib": "required", "status": "optional" })
        );
        assert_eq!(
            schema["FaultRule"]["status"],
            json!({ "provider": "optional", "times": "optional", "kind": "required", "status": "required", "body": "optional", "headers": "optional" })
        );
        assert_eq!(schema["EmulatorOptions"]["keepAliveTimeoutMs"], "optional");
        assert_eq!(schema["SwetrixClaims"].as_object().unwrap().len(), 4);
        assert_eq!(schema["TrustCaptchaClaims"]["resultTtlMs"], "optional");
    }

    #[test]
    fn serde_messages_give_their_names() {
        assert_eq!(
            quoted_after("unknown variant `x`, expected one of `a`, `b`", "expected "),
            ["a", "b"]
        );
        assert_eq!(quoted_after("missing field `ms`", "missing field "), ["ms"]);
        assert!(quoted_after("other", "expected ").is_empty());
    }
}
