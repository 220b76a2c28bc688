//! Shell integration generated from the command-line definition itself, so it can never list a
//! flag the binary lacks: completion scripts (clap_complete) and the manual page (clap_mangen).

use std::io::Write;

use clap::CommandFactory;

use super::{Cli, Failure};

/// The completion script for `shell` on standard output.
///
/// # Errors
/// Writing failed (a closed pipe ends quietly).
pub(super) fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "proofdesk", &mut out);
    std::io::stdout().lock().write_all(&out).map(|()| 0).map_err(Failure::from)
}

/// The manual page, in roff, on standard output.
///
/// # Errors
/// Writing failed (a closed pipe ends quietly).
pub(super) fn man() -> Result<u8, Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::stdout().lock().write_all(&out).map(|()| 0).map_err(Failure::from)
}
