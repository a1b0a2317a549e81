//! Examples of datasurface: see `examples/README.md`.
