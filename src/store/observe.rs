//! The one observation hook, for measurement: the statements a list ran, with their bound
//! arguments. `proofdesk-bench` replays them raw as a page's reference (docs/performance.md).

use std::sync::{Arc, Mutex, PoisonError};

use super::Sql;

/// What a recorded statement was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// A search look-up (environments, workspaces, policy names), run on the pool first.
    Lookup,
    /// A keyset page of runs.
    List,
    /// A proof-bundle statement of such a page, on the page's connection.
    Bundle,
}

/// One statement a list ran.
#[derive(Debug, Clone)]
pub struct Statement {
    pub kind: StatementKind,
    pub sql: Sql,
}

/// For measurement: the statements a list ran, with their bound arguments, in order. Set one
/// on a session with `Service::observed`; without one nothing is recorded. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct StatementLog(Arc<Mutex<Vec<Statement>>>);

impl StatementLog {
    pub(crate) fn record(&self, kind: StatementKind, sql: Sql) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(Statement { kind, sql });
    }

    /// Every statement recorded since the last take, oldest first.
    #[must_use]
    pub fn take(&self) -> Vec<Statement> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
