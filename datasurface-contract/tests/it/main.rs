//! datasurface-contract's integration tests: export then import, and the
//! contracts checked by the official ODCS tools.

mod external;
mod import;
mod roundtrip;
mod tools;
