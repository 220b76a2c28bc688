//! placeholder (API stub so the crate compiles; the seed owner replaces this file whole)
#![allow(clippy::unused_async, dead_code)]
use chrono::{DateTime, Utc};

use super::fixtures::LoadError;
use super::Store;

pub const DEMO_OPERATOR: &str = "oncall";

pub struct SeedReport {
    pub scenario_rows: usize,
    pub synthetic_runs: u64,
}

pub async fn seed_demo(_store: &Store, _now: DateTime<Utc>, _runs: u64) -> Result<SeedReport, LoadError> {
    Err(LoadError::Invalid("not implemented yet".into()))
}
