//! POSIX shell: the toolbox's command words
//! ([`datasurface_platform::escape::shell`]).

pub use datasurface_platform::escape::shell::word;
