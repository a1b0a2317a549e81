//! Python string literals ([`datasurface_platform::escape::python`]), which
//! Jinja reads alike: what [`super::jinja::inert`] writes.

pub use datasurface_platform::escape::python::str_literal;
