//! The long-running commands (`deliver`, `probe --pending --follow`) stop on SIGTERM or
//! SIGINT after the work in flight; a second signal ends the process at once.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::CliError;

/// A flag that turns true on the first SIGTERM or SIGINT.
pub fn stop_on_signals() -> Result<Arc<AtomicBool>, CliError> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGTERM, SIGINT] {
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .map_err(CliError::context("cannot install the signal handlers"))?;
    }
    Ok(stop)
}
