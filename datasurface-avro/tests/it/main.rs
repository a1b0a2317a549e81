//! datasurface-avro's integration tests: schema resolution judged against
//! real Avro implementations over generated schema pairs.

mod oracle;
