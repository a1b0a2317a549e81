//! The kinds of what a model can ask of a data platform (capture, container,
//! trigger and transformer code kinds), by the names model files write: what
//! a platform's capabilities list, so a misspelled capability does not
//! compile. Each is derived here, beside the model type it classifies, so a
//! new variant of that type gets its kind in the same change; they grow, so
//! they are `#[non_exhaustive]`.

use std::fmt;

use serde::Serialize;

use crate::{CaptureMetadata, CaptureMethod, CodeArtifact, ContainerKind, StepTrigger};

/// A kind of thing a model can ask for, by the name model files write, so
/// that a platform's capabilities are checked by the compiler: a misspelled
/// capability does not compile. Serialized and shown as that name.
macro_rules! kinds {
    ($(
        $(#[$doc:meta])*
        $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }
    )+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every kind, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// Its name in model files.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }
    )+};
}

kinds! {
    /// How a datastore is captured: a capture method, or the output of a transformer.
    CaptureKind {
        /// `sqlSnapshot`.
        SqlSnapshot => "sqlSnapshot",
        /// `sqlWatermark`.
        SqlWatermark => "sqlWatermark",
        /// `cdc`.
        Cdc => "cdc",
        /// `kafka`.
        Kafka => "kafka",
        /// `fileDrop`.
        FileDrop => "fileDrop",
        /// `transformerOutput`: a datastore a transformer writes.
        TransformerOutput => "transformerOutput",
    }
    /// A kind of data container.
    ContainerCategory {
        /// `database`.
        Database => "database",
        /// `objectStorage`.
        ObjectStorage => "objectStorage",
        /// `lakehouse`.
        Lakehouse => "lakehouse",
        /// `kafka`.
        Kafka => "kafka",
        /// `platformManaged`.
        PlatformManaged => "platformManaged",
    }
    /// A kind of ingestion or transformer trigger.
    TriggerKind {
        /// `cron`.
        Cron => "cron",
        /// `external`.
        External => "external",
    }
    /// A kind of transformer code.
    CodeKind {
        /// `sql`.
        Sql => "sql",
        /// `pythonRepo`.
        PythonRepo => "pythonRepo",
        /// `python`.
        Python => "python",
        /// `builtin`.
        Builtin => "builtin",
    }
}

impl CaptureKind {
    /// How a datastore is captured.
    pub fn of(capture: &CaptureMetadata) -> Self {
        match capture {
            CaptureMetadata::Ingestion(i) => match i.method {
                CaptureMethod::SqlSnapshot(_) => CaptureKind::SqlSnapshot,
                CaptureMethod::SqlWatermark(_) => CaptureKind::SqlWatermark,
                CaptureMethod::Cdc(_) => CaptureKind::Cdc,
                CaptureMethod::Kafka(_) => CaptureKind::Kafka,
                CaptureMethod::FileDrop(_) => CaptureKind::FileDrop,
            },
            CaptureMetadata::TransformerOutput(_) => CaptureKind::TransformerOutput,
        }
    }
}

impl ContainerCategory {
    /// A container's kind.
    pub fn of(kind: &ContainerKind) -> Self {
        match kind {
            ContainerKind::Database(_) => ContainerCategory::Database,
            ContainerKind::ObjectStorage(_) => ContainerCategory::ObjectStorage,
            ContainerKind::Lakehouse(_) => ContainerCategory::Lakehouse,
            ContainerKind::Kafka(_) => ContainerCategory::Kafka,
            ContainerKind::PlatformManaged => ContainerCategory::PlatformManaged,
        }
    }
}

impl TriggerKind {
    /// A trigger's kind.
    pub fn of(trigger: &StepTrigger) -> Self {
        match trigger {
            StepTrigger::Cron(_) => TriggerKind::Cron,
            StepTrigger::External(_) => TriggerKind::External,
        }
    }
}

impl CodeKind {
    /// A transformer's code kind.
    pub fn of(code: &CodeArtifact) -> Self {
        match code {
            CodeArtifact::Sql(_) => CodeKind::Sql,
            CodeArtifact::PythonRepo(_) => CodeKind::PythonRepo,
            CodeArtifact::Python(_) => CodeKind::Python,
            CodeArtifact::Builtin(_) => CodeKind::Builtin,
        }
    }
}
