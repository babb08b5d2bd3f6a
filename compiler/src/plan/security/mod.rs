//! The security components, planned: CE's defaults applied, one file a
//! namespace.

pub mod bot_detector;
pub mod validator;

pub use bot_detector::BotDetector;
pub use validator::Validator;
