//! The `db` commands' side of the service: create or upgrade a schema, load a fixture file,
//! seed the demo data set. The command line reaches the store only through the service, and
//! these are the service calls that write anything besides the transition.

use chrono::{DateTime, Utc};

use super::{open_store, Clock, ServiceError};
use crate::demo::{self, SeedReport};
use crate::store::fixtures::{self, LoadError};
use crate::store::{Create, Store};

/// A database opened for a `db` command: migrated on opening (a missing SQLite file, in a
/// directory that exists, is created), or the demo database.
pub struct Admin {
    store: Store,
}

impl From<LoadError> for ServiceError {
    /// A bad document is bad input (its message names the value); the rest is the database.
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Invalid(m) => Self::Usage(m),
            LoadError::Store(s) => Self::Store(s),
        }
    }
}

impl Admin {
    /// Opens `url` (or the demo database) and brings its schema up to this binary's.
    ///
    /// # Errors
    /// [`ServiceError::Store`] when it cannot be opened or migrated.
    pub async fn open(url: Option<&str>, clock: Clock) -> Result<Self, ServiceError> {
        Ok(Self { store: open_store(url, Create::IfMissing, clock).await? })
    }

    /// `sqlite FILE` or `postgres host:port/db`; never a password.
    #[must_use]
    pub fn label(&self) -> &str {
        self.store.label()
    }

    /// Loads a fixture document (interfaces.md, "Fixtures"): all or nothing. Returns the rows
    /// inserted.
    ///
    /// # Errors
    /// [`ServiceError::Usage`] with the path of the first bad value (nothing was written), or a
    /// database failure (rolled back).
    pub async fn load_fixture(&self, json_text: &str) -> Result<usize, ServiceError> {
        Ok(fixtures::load(&self.store, json_text).await?.rows)
    }

    /// Seeds the demo data set as of `now` with `runs` generated runs, into an empty database.
    ///
    /// # Errors
    /// [`ServiceError::Usage`] when the database already holds runs; database failures.
    pub async fn seed_demo(&self, now: DateTime<Utc>, runs: u64) -> Result<SeedReport, ServiceError> {
        Ok(demo::seed_demo(&self.store, now, runs).await?)
    }

    /// Closes the database (see [`Store::close`]).
    pub async fn close(&self) {
        self.store.close().await;
    }
}
