//! Store failures, sorted by what the caller should say, and the one-line reasons a
//! connection failed.

/// A store failure, already sorted by what the caller should say.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database named does not exist or cannot be opened; the message says how to fix it.
    #[error("{0}")]
    Open(String),
    /// The schema was written by a newer proofdesk (or another tool).
    #[error("{0}")]
    Schema(String),
    /// A lock held elsewhere outlasted the bounded wait.
    #[error("the database is busy (a lock is held elsewhere); try again")]
    Busy,
    /// The connection was lost, or none could be had: the server is down, restarting or
    /// unreachable. Nothing of an open transaction was kept (it never reached its commit).
    #[error("database unreachable: {0}")]
    Unavailable(String),
    /// The connection dropped while a COMMIT was under way: the server may or may not have
    /// applied it, and this process cannot tell which.
    #[error("outcome unknown: the connection dropped during commit ({0})")]
    CommitUnknown(String),
    /// The SQLite file (or its directory) cannot be written; reading may still work.
    #[error("the database is read-only ({0}); check the permissions of the database file and its directory")]
    ReadOnly(String),
    /// Anything else from the driver; the text never contains a password.
    #[error("database error: {0}")]
    Driver(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            // SQLite: SQLITE_BUSY (5) / SQLITE_LOCKED (6); PostgreSQL: lock_not_available, and
            // query_canceled (a statement_timeout ran out: a lock or a load held it up).
            if matches!(db.code().as_deref(), Some("5" | "6" | "517" | "55P03" | "57014")) {
                return Self::Busy;
            }
            match sqlite_primary_code(db.as_ref()) {
                // SQLITE_READONLY and its extended codes.
                Some(8) => return Self::ReadOnly(db.message().to_owned()),
                // SQLITE_CORRUPT / SQLITE_NOTADB: found while reading, not only when opening.
                Some(11 | 26) => {
                    return Self::Open(format!(
                        "the database file is corrupt or not a SQLite database ({}); restore it from a backup",
                        db.message()
                    ))
                }
                _ => {}
            }
        }
        if matches!(e, sqlx::Error::PoolTimedOut) {
            return Self::Busy;
        }
        if is_connection_lost(&e) {
            return Self::Unavailable(redact_passwords(&e.to_string()));
        }
        Self::Driver(redact_passwords(&e.to_string()))
    }
}

/// The primary result code (extended code & 0xff) of a SQLite error; `None` for PostgreSQL.
pub(super) fn sqlite_primary_code(db: &dyn sqlx::error::DatabaseError) -> Option<i32> {
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()?;
    db.code()?.parse::<i32>().ok().map(|c| c & 0xff)
}

/// Whether `e` says the connection is gone (or cannot be made), rather than that the statement
/// failed: I/O and TLS failures, a closed pool, a dead connection worker, and PostgreSQL's
/// connection exceptions (class 08) and shutdown codes (57P01 admin, 57P02 crash, 57P03 starting).
pub(super) fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        use sqlx::migrate::MigrateError as M;
        match e {
            M::VersionMissing(v) => Self::Schema(format!(
                "the database schema records migration {v}, which this proofdesk does not know; upgrade proofdesk"
            )),
            M::VersionMismatch(v) => Self::Schema(format!("migration {v} was changed after it was applied")),
            M::Execute(e) => e.into(),
            other => Self::Driver(redact_passwords(&other.to_string())),
        }
    }
}

/// Replaces `user:password@` in any URL-looking text with `user:***@`.
#[must_use]
pub fn redact_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'').unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Whether a failed SQLite open says a file could not be made or written (SQLITE_PERM,
/// READONLY, IOERR, FULL, CANTOPEN): the cases reading as immutable can get past. Never a busy
/// or locked file (a writer is at work: reading it without locks could see half a commit), nor
/// a corrupt one.
pub(super) fn cannot_make_side_files(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(sqlite_primary_code(db.as_ref()), Some(3 | 8 | 10 | 13 | 14)),
        sqlx::Error::Io(_) => true,
        _ => false,
    }
}

/// One line on why a PostgreSQL connection failed; for TLS, what to give instead.
pub(super) fn pg_connect_reason(label: &str, e: &sqlx::Error) -> String {
    let text = redact_passwords(&e.to_string());
    let tls = matches!(e, sqlx::Error::Tls(_)) || text.contains("certificate") || text.contains("TLS");
    if tls && (text.contains("certificate") || text.contains("Certificate")) {
        format!(
            "cannot connect to {label}: the server's TLS certificate was not accepted ({text}); \
             give the CA that signed it with sslrootcert=PATH in the URL (or use sslmode=require, which encrypts \
             without verifying)"
        )
    } else if tls {
        format!("cannot connect to {label}: TLS failed ({text}); check sslmode and sslrootcert in the URL")
    } else {
        format!("cannot connect to {label}: {text}")
    }
}

pub(super) fn sqlite_reason(e: &sqlx::Error) -> String {
    let text = e.to_string();
    if text.contains("file is not a database") || text.contains("malformed") {
        "not a SQLite database (the file is corrupt or of another kind)".to_owned()
    } else if text.contains("disk is full") || text.contains("disk I/O error") {
        format!("{text}; is the disk full? reading may still work, writing will not")
    } else if text.contains("readonly") || text.contains("read-only") || text.contains("unable to open") {
        format!("cannot open for writing ({text}); check the permissions of the file and its directory")
    } else {
        text
    }
}
