//! The contract tools the tests check against, shared by the test binaries
//! that use them (`#[path]`-included): datacontract-cli,
//! open-data-contract-standard, Apache Avro's Python library and fastavro,
//! which `.ci/external` installs into the virtualenv whose `bin`
//! `DATASURFACE_CONTRACT_TOOLS` names. Without them a test says so and
//! passes, unless `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::path::PathBuf;

/// The tools' `bin` directory, or `None` having said why they are missing.
pub(crate) fn contract_tools() -> Option<PathBuf> {
    let dir = std::env::var_os("DATASURFACE_CONTRACT_TOOLS").map(PathBuf::from);
    let found = dir.filter(|d| d.join("datacontract").is_file() && d.join("python").is_file());
    if found.is_none() {
        let message = "the contract tools are not installed (.ci/external installs datacontract-cli, open-data-contract-standard, avro and fastavro; set DATASURFACE_CONTRACT_TOOLS to their bin directory)";
        assert!(
            std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires them"
        );
        #[allow(clippy::print_stderr, reason = "the test says what it could not check")]
        {
            eprintln!("skipped: {message}");
        }
    }
    found
}
