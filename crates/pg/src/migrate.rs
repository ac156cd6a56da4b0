//! `shenhe migrate`: a whole SQLite database copied into an empty PostgreSQL one.
