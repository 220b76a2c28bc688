//! proofdesk: a terminal investigation console for `restore.execute` operation runs.
//!
//! Module map and the one dependency rule (held by `tests/architecture.rs`):
//!
//! ```text
//!   cli, tui  ──►  service  ──►  store  ──►  domain
//!                     └──────────────────────►  domain
//!   service  ──►  demo  ──►  store, domain     (the demo data set; the service seeds it)
//! ```
//!
//! One name points up: `store::Tx::complete_run` asks for a `service::Transition`, which only
//! `service::reconcile` can make, so the compiler holds the one-writer rule.
//!
//! - [`domain`]: vocabularies, records, the ordered proof rules (`assess`) and access rules.
//!   Pure: no I/O, no async, no sqlx/tokio/ratatui.
//! - [`store`]: SQLite and PostgreSQL behind one interface, one module per engine;
//!   migrations, queries, fixtures, bulk loading.
//! - [`service`]: the handle the CLI and the TUI hold. `service::reconcile` is the only code
//!   that writes an operation run's status, outcome, timestamps, reconciliation context and
//!   summary counts.
//! - [`demo`]: the demo data set (scenarios plus generated runs), written through the store.
//! - [`cli`]: the command line and its text/JSON output.
//! - [`tui`]: the terminal UI; it talks to the service only.
//! - [`config`]: the config file and its profiles, resolved into what the command line uses.
//! - [`paths`]: the XDG directories (config, state, data), through `etcetera`.
//! - [`logging`]: diagnostics to a file under the XDG state directory, never the terminal.
//! - [`present`]: symbols, ages and times shared by the CLI and the TUI (pure).
//! - [`sanitize`]: the one place database text is made safe for a terminal.

pub mod cli;
pub mod demo;
/// The pure core, its own crate: `proofdesk-core` (crates/proofdesk-core).
pub use proofdesk_core as domain;
pub mod config;
pub mod logging;
pub mod paths;
pub mod present;
pub mod sanitize;
pub mod service;
pub mod store;
pub mod tui;
