//! Cross-crate tests of datasurface live in `e2e/`.
