//! The integration tests, in one binary (builds are slow on two cores): the real
//! binary on real database files in temporary directories.

mod common;
mod fixtures;

mod audit;
mod cli;
mod concurrency;
mod console;
mod console_roles;
mod crash;
mod deliver;
mod events;
mod friction;
mod fuzz;
mod hardening;
mod hostile;
mod import;
mod integration;
mod jump_and_mouse;
mod layers;
mod lead;
mod lifecycle;
mod postgres;
mod postgres_crash;
mod probe;
mod pty;
mod roles;
mod search;
mod snapshots;
mod store;
mod widths;
mod your_keys;
