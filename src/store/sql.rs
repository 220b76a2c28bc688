//! Statements as text plus bound values: the one way to build SQL, never formatting a value in.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A bound value. Statements carry these, never formatted text.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
    Json(Value),
    OptJson(Option<Value>),
}

/// A statement and its bound values, with `$n` placeholders numbered as values are pushed.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    #[must_use]
    pub fn new(text: &str) -> Self {
        Self { text: text.to_owned(), args: Vec::new() }
    }

    /// An empty statement with room for `capacity` bytes of text.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self { text: String::with_capacity(capacity), args: Vec::new() }
    }

    /// Appends SQL text (never a value).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Binds a value and appends its placeholder.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let n = self.args.len();
        // Written in place: a page's bundle statement binds hundreds of values.
        let _ = std::fmt::Write::write_fmt(&mut self.text, format_args!("${n}"));
        self
    }

    /// Binds a value without appending a placeholder (for statements written with `$n` already).
    #[must_use]
    pub fn arg(mut self, arg: Arg) -> Self {
        self.args.push(arg);
        self
    }

    /// Appends `(p1, p2, ...)` binding each value.
    pub fn bind_list(&mut self, args: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.text.push('(');
        for (i, a) in args.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(a);
        }
        self.text.push(')');
        self
    }
}
