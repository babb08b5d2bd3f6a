//! The transformation components (one module a namespace): what changes
//! a backend's request and response on their way.

pub mod martian;
