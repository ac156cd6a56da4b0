//! The domain: applications, states, products, checks and the calendar. Pure Rust:
//! no SQL, no terminal.

pub mod application;
pub mod approval;
pub mod calendar;
pub mod changes;
pub mod checks;
pub mod drafts;
pub mod events;
pub mod policy;
pub mod probe;
pub mod sortkey;
pub mod state;
pub mod text;
