//! The security components of KrakenD CE, one module a namespace, each a
//! stage the handler runs in CE's order ([`crate::handler`]):
//! - [`bots`]: `security/bot-detector` (service and endpoint level);
//! - [`cors`]: `security/cors` (service level).
//! - [`headers`]: `security/http` (service level).
//! - [`jwt`]: `auth/validator` (endpoint level), with its key sets in
//!   [`jwks`].
//! - [`signer`]: `auth/signer` (endpoint level), its keys read as
//!   [`jwks`] reads them.
//!
//! A module holds the namespace's static description (what the generated
//! crate writes, always compiled) and its run-time state and stage
//! function, which need the namespace's cargo feature when they pull in a
//! heavy dependency: a gateway links only what its config uses.

pub mod bots;
pub mod cors;
pub mod headers;
pub mod jwks;
pub mod jwt;
pub mod signer;
