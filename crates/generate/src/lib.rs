//! Demo data for `shenhe generate`: merchant applications that look like a real review
//! queue. Names, accounts, domains, ICP numbers and document references have the shapes
//! reviewers know, and a few percent of applications carry each kind of problem the
//! checks look for, so that every check and every return reason gets exercised.
//!
//! The catalogue, the goods categories and which products need a website or an ICP
//! filing come from the [`Policy`](shenhe_domain::policy::Policy), so the data follows
//! the policy when a lead edits it.
//! Everything random comes from a small PRNG written here: a (seed, now) pair gives the
//! same applications whatever the crate versions.

mod generator;
mod materials;
mod payment;
mod people;
pub mod rng;
mod shares;
#[cfg(test)]
mod tests;
mod vocabulary;
mod website;

pub use generator::{Generator, write_ndjson};
