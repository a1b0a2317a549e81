//! What a generated model may use: a platform's capabilities, turned into model values.

use datasurface_core::Milestoning;
use datasurface_platform::{
    Capabilities, CaptureKind, CodeKind, ContainerCategory, FileFormat, TriggerKind, TypeKind,
};
use serde_json::{Value, json};

/// The choices a generator cycles through, so that every one of them appears in
/// a model that is big enough. Build it from a platform's [`Capabilities`], or
/// use [`Palette::everything`].
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// Capture methods of ingested datastores (`sqlSnapshot`, `kafka` …); a
    /// method is only used when a container it can read is in `container_kinds`.
    pub capture_methods: Vec<&'static str>,
    /// Milestoning of consumer dataset groups.
    pub milestoning: Vec<Milestoning>,
    /// Container kinds for sources and workspaces.
    pub container_kinds: Vec<&'static str>,
    /// Column types, by name; composite types are filled with supported scalars.
    pub data_types: Vec<&'static str>,
    /// Ingestion triggers (`cron`, `external`); none means no trigger.
    pub triggers: Vec<&'static str>,
    /// Transformer code kinds; none means no transformers.
    pub code_kinds: Vec<&'static str>,
    /// File formats of `fileDrop` captures; none means no `fileDrop`.
    pub file_formats: Vec<&'static str>,
}

/// Every capture method the model has.
pub const CAPTURE_METHODS: [&str; 5] = ["sqlSnapshot", "sqlWatermark", "cdc", "kafka", "fileDrop"];
/// Every container kind the model has.
pub const CONTAINER_KINDS: [&str; 5] = [
    "database",
    "objectStorage",
    "lakehouse",
    "kafka",
    "platformManaged",
];
/// Every trigger the model has.
pub const TRIGGERS: [&str; 2] = ["cron", "external"];
/// Every transformer code kind the model has.
pub const CODE_KINDS: [&str; 4] = ["sql", "pythonRepo", "python", "builtin"];
/// Every file format a `fileDrop` capture can name.
pub const FILE_FORMATS: [&str; 3] = ["CSV", "JSON_LINES", "PARQUET"];
/// Every milestoning strategy the model has.
pub const MILESTONING: [Milestoning; 3] = [
    Milestoning::LiveOnly,
    Milestoning::Forensic,
    Milestoning::LiveWithForensicHistory,
];
/// Every column type name the model has, in [`TypeKind::ALL`]'s order.
pub const DATA_TYPES: [&str; TypeKind::ALL.len()] = {
    let mut names = [""; TypeKind::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = TypeKind::ALL[i].name();
        i += 1;
    }
    names
};

/// The container kind a capture method reads, in order of preference.
pub fn source_kinds(method: &str) -> &'static [&'static str] {
    match method {
        "kafka" => &["kafka"],
        "fileDrop" => &["objectStorage", "lakehouse"],
        _ => &["database"],
    }
}

impl Palette {
    /// Everything the model can express.
    pub fn everything() -> Self {
        Palette {
            capture_methods: CAPTURE_METHODS.to_vec(),
            milestoning: MILESTONING.to_vec(),
            container_kinds: CONTAINER_KINDS.to_vec(),
            data_types: DATA_TYPES.to_vec(),
            triggers: TRIGGERS.to_vec(),
            code_kinds: CODE_KINDS.to_vec(),
            file_formats: FILE_FORMATS.to_vec(),
        }
    }

    /// What a platform declares it supports, by the names model files use.
    pub fn from_capabilities(capabilities: &Capabilities) -> Self {
        fn names<K: Copy>(kinds: &[K], name: fn(K) -> &'static str) -> Vec<&'static str> {
            kinds.iter().map(|&k| name(k)).collect()
        }
        Palette {
            capture_methods: capabilities
                .capture_methods
                .iter()
                .filter(|&&m| m != CaptureKind::TransformerOutput)
                .map(|m| m.name())
                .collect(),
            milestoning: capabilities.milestoning.clone(),
            container_kinds: names(&capabilities.container_kinds, ContainerCategory::name),
            data_types: names(&capabilities.data_types, TypeKind::name),
            triggers: names(&capabilities.triggers, TriggerKind::name),
            code_kinds: if capabilities
                .capture_methods
                .contains(&CaptureKind::TransformerOutput)
            {
                names(&capabilities.code_kinds, CodeKind::name)
            } else {
                Vec::new()
            },
            file_formats: names(&capabilities.file_formats, FileFormat::name),
        }
    }

    /// What both palettes hold: a model two platforms can both render.
    #[must_use]
    pub fn intersection(&self, other: &Palette) -> Palette {
        fn both<T: PartialEq + Copy>(a: &[T], b: &[T]) -> Vec<T> {
            a.iter().copied().filter(|x| b.contains(x)).collect()
        }
        Palette {
            capture_methods: both(&self.capture_methods, &other.capture_methods),
            milestoning: both(&self.milestoning, &other.milestoning),
            container_kinds: both(&self.container_kinds, &other.container_kinds),
            data_types: both(&self.data_types, &other.data_types),
            triggers: both(&self.triggers, &other.triggers),
            code_kinds: both(&self.code_kinds, &other.code_kinds),
            file_formats: both(&self.file_formats, &other.file_formats),
        }
    }

    /// The capture methods that can be used: those with a supported source container.
    pub fn usable_capture_methods(&self) -> Vec<&'static str> {
        self.capture_methods
            .iter()
            .copied()
            .filter(|m| {
                source_kinds(m)
                    .iter()
                    .any(|k| self.container_kinds.contains(k))
                    && CAPTURE_METHODS.contains(m)
                    && (*m != "fileDrop" || !self.file_formats.is_empty())
            })
            .collect()
    }

    /// The container kinds workspaces can receive data in.
    pub fn workspace_kinds(&self) -> Vec<&'static str> {
        self.container_kinds
            .iter()
            .copied()
            .filter(|k| *k != "kafka" && CONTAINER_KINDS.contains(k))
            .collect()
    }

    /// The types usable as a primary key, best first.
    pub fn key_type(&self) -> Option<Value> {
        [
            "BigInt", "Integer", "SmallInt", "VarChar", "NVarChar", "String", "Char", "NChar",
            "TinyInt",
        ]
        .into_iter()
        .find(|t| self.data_types.contains(t))
        .and_then(|t| self.sample_type(t))
    }

    /// A scalar type for the insides of arrays, maps and structs.
    fn inner_scalar(&self) -> Option<Value> {
        [
            "Integer", "BigInt", "SmallInt", "VarChar", "NVarChar", "String", "Boolean", "TinyInt",
            "Date",
        ]
        .into_iter()
        .find(|t| self.data_types.contains(t))
        .and_then(|t| self.sample_type(t))
    }

    /// A column type of the given name, as the model files write it, if the
    /// name is known and any types it contains are in the palette.
    pub fn sample_type(&self, name: &str) -> Option<Value> {
        let text = |size: u32| json!({ name: {"maxSize": size} });
        Some(match name {
            "Boolean" | "TinyInt" | "SmallInt" | "Integer" | "BigInt" | "IEEE16" | "IEEE32"
            | "IEEE64" | "IEEE128" | "IEEE256" | "FP8_E4M3" | "FP8_E5M2" | "FP8_E5M2FNUZ"
            | "FP8_E4M3FNUZ" | "FP8_E8M0" | "FP6_E2M3" | "FP6_E3M2" | "FP4_E2M1" | "MXFP8_E4M3"
            | "MXFP8_E5M2" | "MXFP6_E2M3" | "MXFP6_E3M2" | "MXFP4_E2M1" | "Date" | "Interval" => {
                json!(name)
            }
            "FixedInteger" => json!({"FixedInteger": {"bits": 24}}),
            "Decimal" => json!({"Decimal": {"precision": 12, "scale": 2}}),
            "CustomFloat" => json!({"CustomFloat": {
                "bits": 16, "precision": 8, "maxExponent": 127, "minExponent": -126
            }}),
            "MicroScaling" => {
                if !(self.data_types.contains(&"FP8_E8M0") && self.data_types.contains(&"FP4_E2M1"))
                {
                    return None;
                }
                json!({"MicroScaling": {"batchSize": 32, "scaleType": "FP8_E8M0", "elementType": "FP4_E2M1"}})
            }
            "Char" | "NChar" => text(8),
            "VarChar" | "NVarChar" => text(64),
            "String" => json!({"String": {}}),
            "Timestamp" => json!({"Timestamp": {}}),
            "Variant" => json!({"Variant": {}}),
            "Binary" => json!({"Binary": {"maxSize": 256}}),
            "Vector" => json!({"Vector": {"dimensions": 8}}),
            "Array" => json!({"Array": {"elementType": self.inner_scalar()?}}),
            "Map" => {
                let key = ["VarChar", "NVarChar", "String", "Integer", "BigInt"]
                    .into_iter()
                    .find(|t| self.data_types.contains(t))
                    .and_then(|t| self.sample_type(t))?;
                json!({"Map": {"keyType": key, "valueType": self.inner_scalar()?}})
            }
            "Struct" => json!({"Struct": {"fields": {"part": {"type": self.inner_scalar()?}}}}),
            "Geography" => json!({"Geography": {}}),
            _ => return None,
        })
    }
}
