//! Masking of provider payloads: every value under a key that looks secret is replaced,
//! at any depth, before a payload is shown on explicit request.

use serde_json::{Map, Value};

/// What a masked value reads as.
pub const MASK: &str = "••••";

const SECRET_WORDS: [&str; 6] = ["secret", "password", "token", "key", "credential", "authorization"];

/// True when a key names something secret (`client_secret`, `accessToken`, `Authorization`…).
#[must_use]
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_lowercase();
    SECRET_WORDS.iter().any(|w| key.contains(w))
}

/// A copy of `value` with every secret-keyed value, at any depth, replaced by [`MASK`].
#[must_use]
pub fn mask_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) { Value::String(MASK.to_owned()) } else { mask_secrets(v) };
                    (k.clone(), v)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_secrets).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_at_any_depth_and_any_case() {
        let raw = json!({
            "status": 400,
            "client_secret": "s3cr3t",
            "headers": {"Authorization": "Bearer abc", "x-request-id": "r1"},
            "attempts": [{"AccessToken": "t"}, {"note": "ok"}],
            "signingKey": {"nested": "whole object hidden"},
        });
        let masked = mask_secrets(&raw);
        assert_eq!(
            masked,
            json!({
                "status": 400,
                "client_secret": MASK,
                "headers": {"Authorization": MASK, "x-request-id": "r1"},
                "attempts": [{"AccessToken": MASK}, {"note": "ok"}],
                "signingKey": MASK,
            })
        );
        assert!(!masked.to_string().contains("s3cr3t"));
    }
}
