//! The security components' static data, one file a namespace.

pub mod bot_detector;
pub mod cors;
pub mod http;
pub mod signer;
pub mod validator;
