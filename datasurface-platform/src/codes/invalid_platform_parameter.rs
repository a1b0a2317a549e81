//! Diagnostic: invalid-platform-parameter

use datasurface_rules::validate::{CodeInfo, Severity};

pub(crate) const CODE: CodeInfo = CodeInfo::new(
    crate::parameters::INVALID_PARAMETER,
    Severity::Error,
    "A parameter of a platform is unknown or has a wrong value.",
    "Each platform kind reads its own parameters, which `datasurface explain --platform KIND` describes; the message and its help say which it reads and what value it expected. Correct the name or the value, or leave the parameter out for its default.",
)
.with_example(
    &[
        (
            "    version: ^0.1\n",
            "    version: ^0.1\n    parameters: {source: {}}\n",
        ),
    ],
    "model.yaml:17:18: error[invalid-platform-parameter]: platform `Batch` has no parameter `source`
  at: /platforms/Batch/parameters/source
  help: did you mean `sources`? (`datasurface explain --platform sqlite` describes each) (in github:acme/ecosystem@main)",
);
