//! The config profile a session was opened with (the console shows its name and marks a
//! production one), and the facts `proofdesk info` asks the database for.

use super::{Service, ServiceError};
use crate::store::Sql;

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
