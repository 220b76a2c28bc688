//! JSON kept as the text it was stored as, parsed when something reads it.
//!
//! A run's `context` and `summary_counts` are JSON. A list page reads one key of `context`
//! (`restore_run_id`, to link the restore) and shows neither column, so building maps for
//! every run is wasted work (docs/performance.md, "Why the code looks this way"). [`JsonText`] is checked to be JSON once, when it is read from the database, and
//! parsed again only by whoever looks inside: [`JsonText::get`] finds one member without
//! building the rest, [`JsonText::value`] parses it whole.

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Any JSON value, as text that is known to parse. Every constructor checks the text (or
/// makes it from a value); [`ObjectScan::check`] checks it while it finds one member.
#[derive(Clone)]
pub struct JsonText(Box<str>);

impl JsonText {
    /// JSON `null`.
    #[must_use]
    pub fn null() -> Self {
        Self::from(&Value::Null)
    }

    /// Checked JSON text.
    #[must_use]
    pub fn from_raw(raw: Box<RawValue>) -> Self {
        Self(raw.into())
    }

    /// The text, exactly as read.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, parsed.
    #[must_use]
    pub fn value(&self) -> Value {
        // The text was checked to be JSON when this was made.
        serde_json::from_str(self.as_str()).unwrap_or(Value::Null)
    }

    /// What kind of JSON value this is, in words: "null", "a boolean", "a number", "a
    /// string", "an array" or "an object".
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self.as_str().trim_start().as_bytes().first() {
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') | None => "null",
            Some(_) => "a number",
        }
    }

    /// Whether this is a JSON object.
    #[must_use]
    pub fn is_object(&self) -> bool {
        self.as_str().trim_start().starts_with('{')
    }

    /// Whether this is JSON `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.as_str().trim() == "null"
    }

    /// The member `key` of an object (the last one, if the text repeats it, as a parsed map
    /// would keep), parsed on its own; `None` when absent or when this is not an object.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Value> {
        if !self.is_object() {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(self.as_str());
        Member(key).deserialize(&mut de).ok().flatten()
    }
}

impl Default for JsonText {
    fn default() -> Self {
        Self::null()
    }
}

impl From<&Value> for JsonText {
    fn from(v: &Value) -> Self {
        // Serializing a `Value` to text cannot fail (its keys are strings).
        Self(serde_json::value::to_raw_value(v).unwrap_or_else(|_| RawValue::NULL.to_owned()).into())
    }
}

impl From<Value> for JsonText {
    fn from(v: Value) -> Self {
        Self::from(&v)
    }
}

impl fmt::Debug for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Equal when the values are equal, whatever the spacing or key order of the texts.
impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str() || self.value() == other.value()
    }
}

impl PartialEq<Value> for JsonText {
    fn eq(&self, other: &Value) -> bool {
        self.value() == *other
    }
}

impl Serialize for JsonText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

/// A JSON object, as text (see [`JsonText`]).
#[derive(Clone, PartialEq)]
pub struct JsonObject(JsonText);

impl JsonObject {
    /// The text as an object, or the text back when it is some other value.
    ///
    /// # Errors
    /// The text itself, when it is not an object.
    pub fn new(text: JsonText) -> Result<Self, JsonText> {
        if text.is_object() {
            Ok(Self(text))
        } else {
            Err(text)
        }
    }

    /// The member `key` (see [`JsonText::get`]).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Value> {
        self.0.get(key)
    }

    /// The object, parsed.
    #[must_use]
    pub fn to_map(&self) -> Map<String, Value> {
        match self.0.value() {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// Sets `key` and returns what it held.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        let mut map = self.to_map();
        let old = map.insert(key, value);
        *self = Self::from(map);
        old
    }

    /// Removes `key` and returns what it held.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let mut map = self.to_map();
        let old = map.remove(key);
        *self = Self::from(map);
        old
    }

    /// The text.
    #[must_use]
    pub const fn as_text(&self) -> &JsonText {
        &self.0
    }

    /// The text, by value.
    #[must_use]
    pub fn into_text(self) -> JsonText {
        self.0
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        Self::from(Map::new())
    }
}

impl From<Map<String, Value>> for JsonObject {
    fn from(m: Map<String, Value>) -> Self {
        Self(JsonText::from(Value::Object(m)))
    }
}

impl fmt::Debug for JsonObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq<Value> for JsonObject {
    fn eq(&self, other: &Value) -> bool {
        self.0 == *other
    }
}

impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// JSON text checked and searched for one member of its top-level object: what a stored
/// column needs when it is read (the check) and what the proof rules read of a run's context
/// (its restore link), done once, when the row is decoded.
pub struct ObjectScan;

impl ObjectScan {
    /// The text as [`JsonText`] with the member `key` of its object (the last, if repeated;
    /// `None` when absent or when the value is not an object), or why the text is not JSON.
    /// It refuses what [`JsonText::from_raw`]'s check refuses (`serde_json`'s own reading).
    ///
    /// # Errors
    /// The parser's message.
    pub fn check(text: &str, key: &str) -> Result<(JsonText, Option<Value>), serde_json::Error> {
        // The check `from_raw`'s text went through, without copying the text for it.
        let raw: &RawValue = serde_json::from_str(text)?;
        let text = JsonText(raw.get().into());
        let member = text.get(key);
        Ok((text, member))
    }
}

/// Finds one member of an object, skipping the others without building them.
struct Member<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for Member<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Member<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(is_key) = map.next_key_seed(KeyIs(self.0))? {
            if is_key {
                found = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Whether an object key (escapes resolved) is the one wanted.
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(s: &str) -> JsonText {
        JsonText::from_raw(serde_json::from_str(s).unwrap())
    }

    #[test]
    fn get_finds_one_member_as_a_parsed_map_would() {
        let t = text(r#"{"source": "wizard", "restore_run_id": 12, "n": {"deep": [1, 2]}}"#);
        assert_eq!(t.get("restore_run_id"), Some(json!(12)));
        assert_eq!(t.get("n"), Some(json!({"deep": [1, 2]})));
        assert_eq!(t.get("missing"), None);
        // A repeated key: the last one, as `serde_json::Map` keeps it.
        let t = text(r#"{"restore_run_id": 1, "restore_run_id": "2"}"#);
        assert_eq!(t.get("restore_run_id"), t.value().get("restore_run_id").cloned());
        assert_eq!(t.get("restore_run_id"), Some(json!("2")));
        // Escapes in keys are resolved before comparing.
        let t = text(r#"{"restore\u005frun_id": 7}"#);
        assert_eq!(t.get("restore_run_id"), Some(json!(7)));
        // Not an object: no members.
        for s in ["null", "[1]", "\"restore_run_id\"", "3", "true"] {
            assert_eq!(text(s).get("restore_run_id"), None, "{s}");
        }
    }

    #[test]
    fn kinds_and_objects() {
        let kinds = [
            ("null", "null"),
            ("true", "a boolean"),
            ("-1.5", "a number"),
            ("\"x\"", "a string"),
            ("[]", "an array"),
            ("{}", "an object"),
        ];
        for (s, kind) in kinds {
            assert_eq!(text(s).kind(), kind, "{s}");
            assert_eq!(JsonObject::new(text(s)).is_ok(), kind == "an object", "{s}");
        }
        assert!(JsonText::default().is_null());
    }

    #[test]
    fn an_object_edits_and_compares_by_value() {
        let mut o = JsonObject::from(json!({"b": 1, "a": 2}).as_object().cloned().unwrap());
        assert_eq!(o.insert("c".into(), json!(3)), None);
        assert_eq!(o.insert("a".into(), json!(4)), Some(json!(2)));
        assert_eq!(o.remove("b"), Some(json!(1)));
        assert_eq!(o, json!({"a": 4, "c": 3}));
        assert_eq!(JsonObject::new(text(r#"{ "c":3,"a":4 }"#)).unwrap(), o, "spacing and order do not matter");
        assert_eq!(serde_json::to_value(&o).unwrap(), json!({"a": 4, "c": 3}));
    }
}
