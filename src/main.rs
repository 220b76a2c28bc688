//! The `proofdesk` binary: install the error reporter, then hand over to the command line.

use std::io::Write;

/// mimalloc instead of glibc's malloc: a page of runs is many small, short-lived allocations
/// (decoded rows, JSON maps, views), and glibc's allocator was a quarter of the list's profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // color-eyre's reports, but a panic report written with its errors ignored: the stock hook
    // prints with `eprintln!`, which panics again on a closed stderr, and a panic inside the
    // panic hook aborts (SIGABRT). A failure to install only loses pretty reports.
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default().into_hooks();
    let _ = eyre_hook.install();
    std::panic::set_hook(Box::new(move |info| {
        let report = panic_hook.panic_report(info).to_string();
        let _ = writeln!(std::io::stderr().lock(), "{report}");
    }));
    proofdesk::cli::main()
}
