//! Diagnostic: platform-version-mismatch

use datasurface_rules::validate::{CodeInfo, Severity};

pub(crate) const CODE: CodeInfo = CodeInfo::new(
    "platform-version-mismatch",
    Severity::Error,
    "A platform declaration's version requirement does not accept the available implementation.",
    "Widen the requirement (such as `^0.1`) to accept the implementation's version, or use an implementation it accepts.",
)
.with_example(
    &[
        (
            "    version: ^0.1\n",
            "    version: ^2\n",
        ),
    ],
    "model.yaml:16:5: error[platform-version-mismatch]: platform `Batch` asks for kind `sqlite` ^2, but the available implementation is 0.1.0
  at: /platforms/Batch/version
  help: change the requirement to accept 0.1.0, or use an implementation it accepts (in github:acme/ecosystem@main)",
);
