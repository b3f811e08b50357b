//! blocklint: finds calls that block the executor thread inside async Rust
//! code, without compiling the crate. See ARCHITECTURE.md for the data flow.

pub mod analysis;
pub mod baseline;
pub mod cache;
pub mod cli;
pub mod collect;
pub mod config;
pub mod discover;
pub mod elide;
pub mod fix;
pub mod hashing;
pub mod lazy;
pub mod lint;
pub mod manifest;
pub mod model;
pub mod modtree;
pub mod parse;
pub mod prefilter;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod summary;
pub mod suppress;
pub mod text;
pub mod types;
pub mod workspace;
