//! "Looks secret", in one place: the contract's reading of which keys, pairs and fragments of
//! provider text hide a secret, and the masking every output uses (`show --raw`, JSON, the
//! console's payload and error views: the service masks once, everything else prints what it
//! was handed).
//!
//! A key is read the way an attacker would try to slip past a plain `contains`: [`fold_key`]
//! applies compatibility decomposition (NFKD, which finds everything NFKC does and also sees
//! through combining marks), drops marks and every character that is neither a letter nor a
//! digit (invisible and format characters, `_ - .`, spaces, any punctuation), folds case and
//! maps look-alike Cyrillic, Greek, Armenian and IPA letters to Latin. The folded key
//! *contains* one of [`SECRET_WORDS`] (or *is* one of [`SECRET_NAMES`]).
//!
//! Containment is what the contract says, and it fails closed: short words match harmless
//! keys too (`sas` in `isAssigned` and `disaster`, `key` in `monkey`, `pwd` in `cwd`-like
//! names). Such values are masked; no check here tries to guess them back, since a guess is a
//! way around the rule.
//!
//! Inside any string: JSON text (object or array) is parsed, masked and re-serialized;
//! otherwise [`mask_text`] masks `Bearer <token>`, a URL's user-info password, and the value of
//! every `name=value` / `name: value` whose name looks secret (URL query parameters,
//! `Password=…;` connection-string parts, `"api_key": "…"` fragments, `client_secret=…` in an
//! error text). In free text a space ends a name (else the last words of every sentence before
//! a colon would be a "name"); keys of JSON objects and pairs are read whole, spaces included.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// What a masked value reads as.
pub const MASK: &str = "••••";

/// A folded key that contains one of these looks secret.
pub const SECRET_WORDS: [&str; 14] = [
    "secret",
    "password",
    "token",
    "key",
    "credential",
    "authorization",
    "passwd",
    "pwd",
    "passphrase",
    "cookie",
    "assertion",
    "signature",
    "sas",
    "connectionstring",
];

/// Folded names that are secret whole though they contain no word: a SAS URL's `sig`, short
/// password names, and `bearer` itself as a name (`bearer=…`). Stricter than the contract.
pub const SECRET_NAMES: [&str; 5] = ["sig", "pw", "pass", "auth", "bearer"];

/// A look-alike letter as the Latin letter it imitates (upper and lower case alike).
fn lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'А' | 'а' => 'a',
        'В' | 'в' | 'Ь' | 'ь' => 'b',
        'С' | 'с' | 'Ϲ' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'Е' | 'е' | 'Ё' | 'ё' => 'e',
        'Н' | 'н' | 'һ' | 'Һ' => 'h',
        'І' | 'і' | 'Ї' | 'ї' | 'Ӏ' | 'ӏ' => 'i',
        'Ј' | 'ј' => 'j',
        'К' | 'к' => 'k',
        'М' | 'м' => 'm',
        'О' | 'о' => 'o',
        'Р' | 'р' => 'p',
        'Ԛ' | 'ԛ' => 'q',
        'Ѕ' | 'ѕ' => 's',
        'Т' | 'т' => 't',
        'У' | 'у' | 'Ү' | 'ү' => 'y',
        'Ѵ' | 'ѵ' => 'v',
        'Ԝ' | 'ԝ' => 'w',
        'Х' | 'х' => 'x',
        'п' => 'n',
        // Greek
        'Α' | 'α' => 'a',
        'Β' | 'β' => 'b',
        'Ε' | 'ε' => 'e',
        'Ζ' => 'z',
        'Η' => 'h',
        'η' => 'n',
        'Ι' | 'ι' => 'i',
        'Κ' | 'κ' => 'k',
        'Μ' => 'm',
        'μ' | 'υ' => 'u',
        'Ν' => 'n',
        'ν' => 'v',
        'Ο' | 'ο' | 'σ' => 'o',
        'Ρ' | 'ρ' => 'p',
        'Τ' | 'τ' => 't',
        'Υ' | 'γ' => 'y',
        'Χ' | 'χ' => 'x',
        'ω' => 'w',
        // Armenian, Latin IPA and dotless letters
        'օ' => 'o',
        'ս' => 'u',
        'հ' => 'h',
        'ո' => 'n',
        'ı' => 'i',
        'ȷ' => 'j',
        'ɑ' => 'a',
        'ɡ' => 'g',
        'ɩ' => 'i',
        'ʏ' => 'y',
        _ => return None,
    })
}

/// `key` as compared against the secret words: compatibility-decomposed, marks and every
/// non-alphanumeric character (invisible, format, separators) dropped, case-folded, look-alike
/// letters mapped to Latin.
#[must_use]
pub fn fold_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    if key.is_ascii() {
        out.extend(key.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()));
        return out;
    }
    for c in key.nfkd() {
        if let Some(l) = lookalike(c) {
            out.push(l);
            continue;
        }
        for l in c.to_lowercase() {
            if let Some(m) = lookalike(l) {
                out.push(m);
            } else if l == 'ß' {
                out.push_str("ss");
            } else if matches!(l.general_category_group(), GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number)
            {
                out.push(l);
            }
        }
    }
    out
}

/// True when a key or name looks secret (see the module comment).
#[must_use]
pub fn is_secret_key(key: &str) -> bool {
    let folded = fold_key(key);
    SECRET_WORDS.iter().any(|w| folded.contains(w)) || SECRET_NAMES.contains(&folded.as_str())
}

/// A copy of `value` with every secret-keyed value, at any depth, replaced by [`MASK`], the
/// value of every `[name, value]` pair whose name looks secret masked, and every string
/// masked by [`mask_str`].
#[must_use]
pub fn mask_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) { masked() } else { mask_secrets(v) };
                    (mask_text(k).into_owned(), v)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => match items.as_slice() {
            [Value::String(name), _] if is_secret_key(name) => {
                Value::Array(vec![Value::String(mask_text(name).into_owned()), masked()])
            }
            _ => Value::Array(items.iter().map(mask_secrets).collect()),
        },
        Value::String(s) => Value::String(mask_str(s).into_owned()),
        other => other.clone(),
    }
}

/// A provider payload as it may be shown: a JSON object masked by [`mask_secrets`]; anything
/// else (a string, an array, a number…) masked whole.
#[must_use]
pub fn mask_payload(payload: &Value) -> Value {
    if payload.is_object() {
        mask_secrets(payload)
    } else {
        masked()
    }
}

fn masked() -> Value {
    Value::String(MASK.to_owned())
}

/// A string value masked: JSON text (an object or an array) is parsed, masked by
/// [`mask_secrets`] and re-serialized; any other text is masked by [`mask_text`]. Also used
/// for `error_message`.
#[must_use]
pub fn mask_str(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str::<Value>(t) {
            return Cow::Owned(mask_secrets(&v).to_string());
        }
    }
    mask_text(s)
}

fn is_separator(c: char) -> bool {
    matches!(c, '=' | ':' | '＝' | '：' | '﹦' | '﹕' | '꞉' | '∶')
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '`')
}

/// A character that can be part of a name in free text (invisible characters included, so
/// they cannot split a name).
fn is_name_char(c: char) -> bool {
    !c.is_whitespace()
        && !is_separator(c)
        && !is_quote(c)
        && !matches!(
            c,
            '\\' | ','
                | ';'
                | '&'
                | '?'
                | '/'
                | '#'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
                | '|'
                | '!'
                | '*'
                | '+'
                | '$'
                | '@'
                | '^'
                | '~'
        )
}

/// Where an unquoted value ends.
fn is_value_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, ';' | '&' | ',' | '<' | '>' | ')' | ']' | '}' | '|') || is_quote(c)
}

/// `%XX` escapes decoded, so `p%61ssword=` reads as `password=`.
fn percent_decoded(name: &str) -> Cow<'_, str> {
    if !name.contains('%') {
        return Cow::Borrowed(name);
    }
    let b = name.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |x: u8| char::from(x).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// End (relative to `body`) of a value opened by `k` backslashes and the quote `q`: the next
/// `k` backslashes and `q` not themselves escaped; `None` when it never closes.
fn find_close(body: &str, k: usize, q: u8) -> Option<usize> {
    let b = body.as_bytes();
    (0..b.len())
        .find(|&p| b[p] == q && p >= k && b[p - k..p].iter().all(|x| *x == b'\\') && (p == k || b[p - k - 1] != b'\\'))
        .map(|p| p - k)
}

/// The end of an unquoted token starting at `from` (a byte index of `s`).
fn token_end(s: &str, from: usize) -> usize {
    let rest = &s[from..];
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_value_end(c) || (c == '\\' && chars.peek().is_some_and(|(_, n)| is_quote(*n))) {
            return from + i;
        }
    }
    s.len()
}

/// The byte range of the value after a secret name's separator (which ends at `from`).
fn value_range(s: &str, from: usize, sep: char) -> Option<Range<usize>> {
    let rest = &s[from..];
    let start = from + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
    let v = &s[start..];
    let k = v.bytes().take_while(|b| *b == b'\\').count();
    if let Some(q) = v[k..].chars().next().filter(|q| is_quote(*q)) {
        if k > 8 {
            // Deeper escaping than any real payload: masked to the end rather than searched
            // for, so crafted text cannot make every value scan a huge message.
            return Some(start..s.len());
        }
        let body = start + k + 1;
        let end = find_close(&s[body..], k, u8::try_from(q).unwrap_or(b'"')).map_or(s.len(), |e| body + e);
        return (end > body).then_some(body..end);
    }
    let mut end = token_end(s, start);
    if end == start {
        return None;
    }
    if s[end..].starts_with([' ', '\t']) {
        let line_rest = &s[end..];
        let line_rest = &line_rest[..line_rest.find('\n').unwrap_or(line_rest.len())];
        let semicolon = line_rest.find(';');
        let next_pair = line_rest.find(['=', ':']);
        if sep == '=' && semicolon.is_some_and(|p| next_pair.is_none_or(|n| p < n)) {
            // `Password=two words;` in a connection string: the value runs to the `;`.
            end += semicolon.unwrap_or(0);
        } else if s[start..end].chars().count() <= 24 && s[start..end].chars().all(char::is_alphabetic) {
            // `Authorization: Basic dXNlcg==`: a scheme word and the credentials after it.
            let next = end + (line_rest.len() - line_rest.trim_start_matches([' ', '\t']).len());
            let next_end = token_end(s, next);
            if next_end > next {
                end = next_end;
            }
        }
    }
    Some(start..end)
}

/// Masks inside free text: the value of every `name=value` / `name: value` whose name looks
/// secret, the token after `Bearer`, and a URL's user-info password. Borrowed when nothing
/// is masked.
#[must_use]
pub fn mask_text(s: &str) -> Cow<'_, str> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (i, c) in s.char_indices() {
        if !is_separator(c) {
            continue;
        }
        let name_end = s[..i].trim_end_matches([' ', '\t']).trim_end_matches(|c: char| is_quote(c) || c == '\\');
        let name_start = name_end
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_name_char(*c))
            .last()
            .map_or(name_end.len(), |(j, _)| j);
        let name = &name_end[name_start..];
        if !name.is_empty() && is_secret_key(&percent_decoded(name)) {
            ranges.extend(value_range(s, i + c.len_utf8(), c));
        }
    }
    bearer_tokens(s, &mut ranges);
    url_passwords(s, &mut ranges);
    if ranges.is_empty() {
        return Cow::Borrowed(s);
    }
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for r in ranges {
        if r.end <= at {
            continue;
        }
        if r.start >= at {
            out.push_str(&s[at..r.start]);
            out.push_str(MASK);
        }
        at = r.end;
    }
    out.push_str(&s[at..]);
    Cow::Owned(out)
}

/// The token after every word that folds to `bearer`.
fn bearer_tokens(s: &str, ranges: &mut Vec<Range<usize>>) {
    let word_break = |c: char| c.is_whitespace() || is_quote(c) || is_separator(c) || "\\,;()[]{}<>".contains(c);
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if !word_break(c) {
            start.get_or_insert(i);
            continue;
        }
        let Some(w) = start.take() else { continue };
        let word = &s[w..i];
        if word.len() < 6 || !c.is_whitespace() || fold_key(word) != "bearer" {
            continue;
        }
        let rest = &s[i..];
        let from = i + (rest.len() - rest.trim_start().len());
        let end = token_end(s, from);
        if end > from {
            ranges.push(from..end);
        }
    }
}

/// The password of every `scheme://user:password@host`.
fn url_passwords(s: &str, ranges: &mut Vec<Range<usize>>) {
    for (i, _) in s.match_indices("://") {
        let from = i + 3;
        let rest = &s[from..];
        let end = rest.find(|c: char| c.is_whitespace() || is_quote(c) || "/?#<>\\".contains(c)).unwrap_or(rest.len());
        let authority = &rest[..end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                if at > colon + 1 {
                    ranges.push(from + colon + 1..from + at);
                }
            }
        }
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

    #[test]
    fn keys_are_folded_against_obfuscation() {
        for key in [
            "ＰＡＳＳＷＯＲＤ",
            "pass\u{200B}word",
            "pass\u{00AD}word",
            "pa\u{E0073}ssword",
            "P\u{0430}ssword",
            "Ρassword",
            "t\u{03BF}ken",
            "ѕесrеt",
            "c\u{0301}lient_secret",
            "api-key",
            "connection.string",
            "Connection String",
            "pass word",
            "𝐭𝐨𝐤𝐞𝐧",
            "x-ms-SAS",
            "sig",
            "Set-Cookie",
            "SAMLAssertion",
            "PWD",
            "Passphrase",
            "x_signature",
            "ConnectionString",
        ] {
            assert!(is_secret_key(key), "{key:?} ({}) should look secret", fold_key(key));
        }
        for key in ["status", "policyName", "x-request-id", "displayName", "@odata.type", "id", "message", "signal"] {
            assert!(!is_secret_key(key), "{key:?} should not look secret");
        }
        assert_eq!(fold_key("Ｐа\u{200D}ss_Wοrd"), "password");
    }

    #[test]
    fn json_inside_strings_and_header_pairs_are_masked() {
        let inner = json!({"password": "p1", "ok": "kept"}).to_string();
        let twice = json!({"body": inner.clone()}).to_string();
        let raw = json!({
            "body": inner,
            "wrapped": twice,
            "headers": [["Authorization", "Bearer zz"], ["X-Request-Id", "r1"], ["X-Api-Key", {"a": "k1"}]],
        });
        let out = mask_secrets(&raw).to_string();
        for s in ["p1", "zz", "k1"] {
            assert!(!out.contains(s), "{s} leaked: {out}");
        }
        assert!(out.contains("kept") && out.contains("r1"), "{out}");
    }

    #[test]
    fn text_fragments_are_masked() {
        let cases = [
            ("GET https://h/p?a=1&sig=S1&token=S2 HTTP/1.1", "GET https://h/p?a=1&sig=••••&token=•••• HTTP/1.1"),
            ("Server=db;Password=S1 S2;Database=d", "Server=db;Password=••••;Database=d"),
            ("AADSTS: client_secret=S1 is invalid for tenant=t", "AADSTS: client_secret=•••• is invalid for tenant=t"),
            (r#"body {"api_key": "S1\"x", "id": 3}"#, r#"body {"api_key": "••••", "id": 3}"#),
            (r#"body {\"api_key\":\"S1\",\"n\":1}"#, r#"body {\"api_key\":\"••••\",\"n\":1}"#),
            ("Authorization: Bearer S1.S2", "Authorization: ••••"),
            ("Authorization: Basic S1", "Authorization: ••••"),
            ("sent bearer S1 to graph", "sent bearer •••• to graph"),
            ("postgres://app:S1@db:5432/x", "postgres://app:••••@db:5432/x"),
            ("p%61ssword=S1", "p%61ssword=••••"),
            ("ｐａｓｓｗｏｒｄ：S1", "ｐａｓｓｗｏｒｄ：••••"),
            ("pass\u{200B}word = S1", "pass\u{200B}word = ••••"),
            (r#"key=\\\\\\\\\\"S1\\\\\\\\\\" n=1"#, "key=••••"),
        ];
        for (text, want) in cases {
            assert_eq!(mask_text(text), want, "{text}");
        }
        let plain = "Property 'foo' is read-only at 10:00 (status: 400)";
        assert!(matches!(mask_text(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_masked_whole() {
        for p in [json!("password=x"), json!([1, 2]), json!(42), json!(null), json!(true)] {
            assert_eq!(mask_payload(&p), json!(MASK), "{p}");
        }
        assert_eq!(mask_payload(&json!({"a": 1})), json!({"a": 1}));
    }

    #[test]
    fn containment_fails_closed_on_harmless_words() {
        // Documented: the contract's "contains" masks these too.
        assert!(is_secret_key("isAssigned") && is_secret_key("monkey"));
    }
}
