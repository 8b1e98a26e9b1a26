//! The rules of a community co-creation programme (社区创享计划), free of storage and HTTP.
//!
//! Every state change a user can ask for is decided here first: the web crate asks
//! [`policy`] whether a person may do it and the feature's module whether the programme's
//! rules allow it, and only then asks the store to write it.

pub mod account;
pub mod audit;
pub mod competition;
pub mod ideas;
pub mod import;
pub mod notify;
pub mod org;
pub mod photos;
pub mod policy;
pub mod proposals;
pub mod rounds;
pub mod season;
pub mod text;
