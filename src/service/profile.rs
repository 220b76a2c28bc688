//! The config profile a session was opened with (the console shows its name and marks a
//! production one), and the facts `proofdesk info` asks the database for.

use super::{Service, ServiceError};
use crate::store::{Sql, Store};

/// A session's profile: its name (shown in full) and whether it is production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileTag {
    pub name: String,
    pub production: bool,
}

impl Service {
    /// This session opened with `tag`'s profile (or none).
    #[must_use]
    pub fn with_profile(mut self, tag: Option<ProfileTag>) -> Self {
        self.profile = tag;
        self
    }

    /// Lists, details and assessments read `url` (a replica, opened read-only and checked for
    /// this binary's schema); the transition keeps writing to the database this session opened,
    /// and checks the proof again there inside its transaction, so a lagging replica can delay
    /// what is shown but never change what is written.
    ///
    /// # Errors
    /// The replica cannot be opened, or its schema is not this binary's.
    pub async fn with_replica(mut self, url: Option<&str>) -> Result<Self, ServiceError> {
        if let Some(url) = url {
            self.reader = Some(Store::open_session(url, true).await?);
        }
        Ok(self)
    }

    /// The replica's label, when reads go to one.
    #[must_use]
    pub fn replica_label(&self) -> Option<&str> {
        self.reader.as_ref().map(Store::label)
    }

    /// The profile this session was opened with.
    #[must_use]
    pub const fn profile(&self) -> Option<&ProfileTag> {
        self.profile.as_ref()
    }

    /// The highest migration applied to the database (the session checked it matches this
    /// binary's when it opened).
    ///
    /// # Errors
    /// Database errors.
    pub async fn schema_version(&self) -> Result<i64, ServiceError> {
        let row: Option<(i64,)> =
            self.store.fetch_optional(&Sql::new("SELECT MAX(version) FROM _sqlx_migrations")).await?;
        Ok(row.map_or(0, |r| r.0))
    }
}
