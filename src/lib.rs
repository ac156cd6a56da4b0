//! shenhe (审核): a terminal review console for merchant applications for payment
//! interface products. The layers are crates, from the bottom (docs/architecture.md):
//! - [`domain`]: applications, states, products, checks, the calendar; pure Rust;
//! - [`store`]: SQL, transactions and migrations, behind a narrow interface;
//! - [`review`]: the operations a reviewer performs, combining the two; both faces call it;
//! - [`present`]: every word a person reads, in zh and en, for both faces;
//! - the faces: [`cli`] (clap, this crate) and [`console`] (ratatui);
//! - [`generate`]: realistic demo data.

pub mod cli;
// The layers are crates of their own, so that none can reach up: the domain cannot use
// SQL or the terminal, the store cannot call the review layer, the console cannot call
// the command line.
pub use shenhe_console as console;
pub use shenhe_domain as domain;
pub use shenhe_generate as generate;
/// The PostgreSQL store, beside the layers: reached by the binary only.
pub use shenhe_pg as pg;
pub use shenhe_present as present;
pub use shenhe_review as review;
pub use shenhe_store as store;

pub mod demo;
