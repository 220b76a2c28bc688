//! placeholder: the terminal UI (being written).

use crate::service::Service;

/// Runs the console until the operator quits.
///
/// # Errors
/// Terminal I/O failures.
pub async fn run(_service: Service, _theme: Option<&str>) -> color_eyre::Result<()> {
    Err(color_eyre::eyre::eyre!("the terminal UI is not built yet; use the runs/show/assess/reconcile commands"))
}
