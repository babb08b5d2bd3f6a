//! The security components' namespaces, one file each, typed with their
//! spans (defaults not applied: that is the plan's job).

pub mod bot_detector;
pub mod cors;
pub mod http;
pub mod signer;
pub mod validator;

pub use bot_detector::BotDetector;
pub use cors::Cors;
pub use http::HttpSecurity;
pub use signer::Signer;
pub use validator::Validator;
