//! Integration tests: the real application on a random port, against a fresh database on
//! the engine `CHUANGXIANG_TEST_DB` names (sqlite, postgres or mysql; see `common`).
//!
//! One test binary, so that the suite links once; each area of the programme is a module.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod admin;
mod authorisation;
mod coordinator;
mod exports;
mod hostile_input;
mod idea_rules;
mod ideas;
mod import;
mod operations;
mod privacy;
mod proposals;
mod rounds;
mod schema;
mod security;
