//! The `proofdesk` binary: install the error reporter, then hand over to the command line.

/// mimalloc instead of glibc's malloc: a page of runs is many small, short-lived allocations
/// (decoded rows, JSON maps, views), and glibc's allocator was a quarter of the list's profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A failure to install the reporter only loses pretty panics; the command still runs.
    let _ = color_eyre::install();
    proofdesk::cli::main()
}
