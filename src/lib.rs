//! shenhe (审核): a terminal review console for merchant applications for payment
//! interface products. The layers, from the bottom:
//! - [`domain`]: applications, states, products, checks, the calendar; pure Rust;
//! - [`store`]: SQL, transactions and migrations, behind a narrow interface;
//! - [`review`]: the operations a reviewer performs, combining the two; both faces call it;
//! - the faces: [`cli`] (clap) and [`console`] (ratatui).

pub mod domain;
pub mod generate;
