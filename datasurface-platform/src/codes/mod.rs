//! The codes the platform pipeline reports (resolving platforms, their
//! parameters, capabilities, physical names and own credentials), one file
//! per code, each with an example edit of the example base model and the
//! finding it gives, as platforms keep their lint codes.

mod invalid_platform_parameter;
mod physical_name_collision;
mod platform_credential;
mod platform_version_mismatch;
mod reserved_column_name;
mod unknown_platform_kind;
mod unsupported_by_platform;

use datasurface_rules::validate::CodeInfo;

/// The codes of the diagnostics that resolving platforms, reading their
/// parameters and checking their capabilities, physical names and own
/// credentials report.
pub const PLATFORM_CODES: &[CodeInfo] = &[
    platform_credential::CODE,
    unknown_platform_kind::CODE,
    platform_version_mismatch::CODE,
    invalid_platform_parameter::CODE,
    physical_name_collision::CODE,
    reserved_column_name::CODE,
    unsupported_by_platform::CODE,
];
