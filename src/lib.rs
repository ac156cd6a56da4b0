//! shenhe (审核): a terminal review console for merchant applications for payment
//! interface products. The layers, from the bottom:
//! - [`domain`]: applications, states, products, checks, the calendar; pure Rust;
//! - [`store`]: SQL, transactions and migrations, behind a narrow interface;
//! - [`review`]: the operations a reviewer performs, combining the two; both faces call it;
//! - the faces: [`cli`] (clap) and [`console`] (ratatui).

pub mod cli;
pub mod console;
/// The domain layer is its own crate, so that it cannot reach up to SQL or the terminal.
pub use shenhe_domain as domain;
pub mod i18n;
pub mod review;
pub mod rng;
pub mod store;

/// Opens the console on `db`.
pub fn console_entry(
    db: &std::path::Path,
    policy: std::sync::Arc<domain::policy::Policy>,
    lang: Option<&str>,
) -> Result<(), cli::UserError> {
    console::run(db, policy, lang)
}
pub mod demo;
pub mod generate;
