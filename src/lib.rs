//! shenhe (审核): a terminal review console for merchant applications for payment
//! interface products. The layers, from the bottom:
//! - [`domain`]: applications, states, products, checks, the calendar; pure Rust;
//! - [`store`]: SQL, transactions and migrations, behind a narrow interface;
//! - [`review`]: the operations a reviewer performs, combining the two; both faces call it;
//! - the faces: [`cli`] (clap) and [`console`] (ratatui).

pub mod cli;
pub mod domain;
pub mod i18n;
pub mod review;
pub mod store;

/// Opens the console on `db` (the console arrives with its own issue; until then this
/// says how to look at the database from the command line).
pub fn console_entry(
    db: &std::path::Path,
    _policy: std::sync::Arc<domain::policy::Policy>,
    _lang: Option<&str>,
) -> Result<(), cli::UserError> {
    println!("database: {}", db.display());
    println!("list it with: shenhe --db {} list", db.display());
    Ok(())
}
pub mod demo;
pub mod generate;
