//! The validation components (one module a namespace): checks a request
//! or a response must pass.

pub mod cel;
