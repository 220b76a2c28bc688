//! JSON columns as checked text, decoded the same way on both engines.

use sqlx::types::Json;

use crate::domain::{JsonText, ObjectScan};

/// A JSON column read as checked text (see [`JsonText`]): decoded through sqlx's `Json`, so
/// it reads the same columns (`TEXT` in SQLite, `jsonb` or `json` in PostgreSQL) and refuses
/// the same values, without building the value. (A wrapper: `JsonText` lives in the core
/// crate, which knows nothing of sqlx.)
#[derive(Debug, Clone, Default)]
pub struct JsonColumn(pub JsonText);

macro_rules! json_text_column {
    ($db:ty) => {
        impl sqlx::Type<$db> for JsonColumn {
            fn type_info() -> <$db as sqlx::Database>::TypeInfo {
                <Json<Box<serde_json::value::RawValue>> as sqlx::Type<$db>>::type_info()
            }
            fn compatible(ty: &<$db as sqlx::Database>::TypeInfo) -> bool {
                <Json<Box<serde_json::value::RawValue>> as sqlx::Type<$db>>::compatible(ty)
            }
        }
        impl<'r> sqlx::Decode<'r, $db> for JsonColumn {
            fn decode(value: <$db as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let Json(raw) = <Json<Box<serde_json::value::RawValue>> as sqlx::Decode<'r, $db>>::decode(value)?;
                Ok(Self(JsonText::from_raw(raw)))
            }
        }
    };
}
json_text_column!(sqlx::Sqlite);
json_text_column!(sqlx::Postgres);

/// A run's `context` column: its JSON text, checked, and its restore link, read together when
/// the row is decoded (see [`ObjectScan`]), so neither a list page nor the proof rules parse
/// the text again for the link.
#[derive(Debug, Clone, Default)]
pub struct ContextColumn {
    pub text: JsonText,
    pub restore_run_id: Option<i64>,
}

impl From<JsonText> for ContextColumn {
    fn from(text: JsonText) -> Self {
        let restore_run_id = crate::domain::restore_run_id(&text);
        Self { text, restore_run_id }
    }
}

impl ContextColumn {
    fn read(text: &str) -> Result<Self, sqlx::error::BoxDynError> {
        let (text, member) = ObjectScan::check(text, "restore_run_id")?;
        Ok(Self { text, restore_run_id: member.and_then(crate::domain::link_of) })
    }
}

impl sqlx::Type<sqlx::Sqlite> for ContextColumn {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <JsonColumn as sqlx::Type<sqlx::Sqlite>>::type_info()
    }
    fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
        <JsonColumn as sqlx::Type<sqlx::Sqlite>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for ContextColumn {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Self::read(<&str as sqlx::Decode<'r, sqlx::Sqlite>>::decode(value)?)
    }
}

impl sqlx::Type<sqlx::Postgres> for ContextColumn {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <JsonColumn as sqlx::Type<sqlx::Postgres>>::type_info()
    }
    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <JsonColumn as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for ContextColumn {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        // As sqlx's `Json` reads it: `jsonb` in binary format starts with its version byte.
        use sqlx::ValueRef;
        let jsonb = value.format() == sqlx::postgres::PgValueFormat::Binary
            && *value.type_info() == <Json<()> as sqlx::Type<sqlx::Postgres>>::type_info();
        let bytes = value.as_bytes()?;
        let bytes = match bytes.split_first() {
            Some((1, rest)) if jsonb => rest,
            Some((v, _)) if jsonb => return Err(format!("unsupported jsonb format version {v}").into()),
            _ => bytes,
        };
        Self::read(std::str::from_utf8(bytes)?)
    }
}
