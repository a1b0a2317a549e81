//! datasurface-avro's integration tests: schema resolution judged against
//! real Avro implementations over generated schema pairs.

#[path = "../../../datasurface-contract/tests/it/external.rs"]
mod external;
mod growth;
mod oracle;
