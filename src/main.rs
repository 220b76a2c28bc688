//! The `proofdesk` binary: install the error reporter, then hand over to the command line.

fn main() -> std::process::ExitCode {
    // A failure to install the reporter only loses pretty panics; the command still runs.
    let _ = color_eyre::install();
    proofdesk::cli::main()
}
