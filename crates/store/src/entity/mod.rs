//! SeaORM entities, one module a table. They mirror the migrations in `crate::migration`.

pub mod account;
pub mod audit_log;
pub mod coaching;
pub mod community;
pub mod courtyard;
pub mod district;
pub mod idea;
pub mod idea_photo;
pub mod idea_support;
pub mod notification;
pub mod organisation;
pub mod proposal;
pub mod proposal_idea;
pub mod proposal_member;
pub mod proposal_note;
pub mod proposal_version;
pub mod role_grant;
pub mod season;
pub mod season_category;
pub mod season_step;
pub mod session;
pub mod society;
pub mod street;
