//! gwc's language server.
