//! shenhe (审核): a terminal review console for merchant applications for payment
//! interface products. The layers, from the bottom:
//! - [`domain`]: applications, states, products, checks, the calendar; pure Rust;
//! - [`store`]: SQL, transactions and migrations, behind a narrow interface;
//! - [`review`]: the operations a reviewer performs, combining the two; both faces call it;
//! - the faces: [`cli`] (clap) and [`console`] (ratatui).

pub mod cli;
pub mod console;
// The layers below the faces are crates of their own, so that none can reach up: the
// domain cannot use SQL or the terminal, the store cannot call the review layer.
pub use shenhe_domain as domain;
pub use shenhe_review as review;
pub use shenhe_store as store;
pub mod i18n;
pub mod rng;

pub mod demo;
pub mod generate;
