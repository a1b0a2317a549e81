//! Python source: the toolbox's string literals
//! ([`datasurface_platform::escape::python`]).

pub use datasurface_platform::escape::python::{docstring, str_literal};
