//! A generator of valid ecosystems of any size, deterministic from a seed.

use datasurface_core::Ecosystem;
use datasurface_core::Milestoning;
use datasurface_platform::DataPlatform;
use serde_json::{Map, Value, json};

use crate::palette::{Palette, source_kinds};
use crate::rng::Rng;

/// How big a generated model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Governance zones, each with a producer and a consumer team.
    pub zones: usize,
    /// Ingested datastores.
    pub stores: usize,
    /// Datasets in each ingested datastore.
    pub datasets_per_store: usize,
    /// Columns of each dataset, its primary key included.
    pub columns: usize,
    /// Consumer workspaces, each with one dataset group assigned to a platform.
    pub workspaces: usize,
    /// Sinks in each consumer's dataset group.
    pub sinks_per_group: usize,
    /// Data transformers; every other one reads the previous one's output, so
    /// the graph has depth. Consumer `n` reads transformer `n`'s output.
    pub transformers: usize,
    /// The seed for everything chosen at random.
    pub seed: u64,
}

impl Shape {
    /// A shape with `stores` stores of `datasets_per_store` datasets of
    /// `columns` columns, and the defaults of the benchmarks: 0.3 consumer
    /// workspaces and 0.1 transformers per store, 5 sinks per group, one zone
    /// per 1,000 stores (at least two, given two stores).
    pub fn new(stores: usize, datasets_per_store: usize, columns: usize) -> Self {
        Shape {
            zones: stores.div_ceil(1000).max(2).min(stores.max(1)),
            stores,
            datasets_per_store,
            columns,
            workspaces: (stores * 3).div_ceil(10),
            sinks_per_group: 5,
            transformers: stores.div_ceil(10),
            seed: 0,
        }
    }

    /// How many datasets the model has, transformer outputs included.
    pub fn datasets(&self) -> usize {
        self.stores * self.datasets_per_store + self.transformers
    }
}

/// A platform the generated model declares.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSpec {
    /// Its name in the model.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The version requirement, such as `^0.1`.
    pub version: String,
    /// Its parameters.
    pub parameters: Map<String, Value>,
}

impl PlatformSpec {
    /// A platform declaration with no parameters.
    pub fn new(
        name: impl Into<String>,
        kind: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        PlatformSpec {
            name: name.into(),
            kind: kind.into(),
            version: version.into(),
            parameters: Map::new(),
        }
    }
}

/// Why a model could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// The palette lacks something every model needs.
    #[error("cannot generate a model: {0}")]
    Palette(String),
    /// The shape asks for something impossible.
    #[error("cannot generate a model: {0}")]
    Shape(String),
    /// The generator built something the model refuses: a bug in the generator.
    #[error("the generator built an invalid model document (a bug): {0}")]
    Internal(String),
}

/// Generates a model of the given shape that uses the palette's choices in
/// turn, with every consumer group assigned to one of `platforms` in turn.
/// With two platforms or more, the first of each kind is every source's
/// primary ingestion platform (the others of its kind mirror it). The same
/// arguments give the same model.
pub fn generate(
    shape: &Shape,
    palette: &Palette,
    platforms: &[PlatformSpec],
) -> Result<Ecosystem, GenerateError> {
    let g = Generator::new(shape, palette, platforms)?;
    let document = g.ecosystem();
    serde_json::from_value(document).map_err(|e| GenerateError::Internal(e.to_string()))
}

/// Generates a model of the given shape for named platforms: it uses only
/// what every one of them supports, declares each by its kind and version
/// (`^major.minor`), and makes the first of each kind a primary ingestion
/// platform. The same arguments give the same model.
pub fn generate_for(
    shape: &Shape,
    platforms: &[(&str, &dyn DataPlatform)],
) -> Result<Ecosystem, GenerateError> {
    let palette = platforms
        .iter()
        .map(|(_, p)| Palette::from_capabilities(&p.capabilities()))
        .reduce(|a, b| a.intersection(&b))
        .ok_or_else(|| GenerateError::Shape("no platform to assign groups to".into()))?;
    let specs: Vec<PlatformSpec> = platforms
        .iter()
        .map(|(name, p)| {
            let v = p.version();
            PlatformSpec::new(*name, p.kind(), format!("^{}.{}", v.major, v.minor))
        })
        .collect();
    generate(shape, &palette, &specs)
}

struct Generator<'a> {
    shape: &'a Shape,
    palette: &'a Palette,
    platforms: &'a [PlatformSpec],
    methods: Vec<&'static str>,
    workspace_kinds: Vec<&'static str>,
    key_type: Value,
    column_types: Vec<Value>,
    watermark_type: Option<Value>,
}

const LOCATION: &str = "AWS:USA/us-east-1";

fn kind_document(kind: &str, zone: usize, purpose: &str) -> Value {
    match kind {
        "database" => json!({"database": {
            "engine": "POSTGRES",
            "database": purpose,
            "endpoint": {"host": format!("{purpose}.zone{zone}.example"), "port": 5432}
        }}),
        "objectStorage" => json!({"objectStorage": {"bucket": format!("zone-{zone}-{purpose}")}}),
        "lakehouse" => json!({"lakehouse": {
            "format": "ICEBERG",
            "storage": {"bucket": format!("zone-{zone}-{purpose}-lake")}
        }}),
        "kafka" => json!({"kafka": {
            "bootstrapServers": [{"host": format!("kafka.zone{zone}.example"), "port": 9092}]
        }}),
        _ => json!("platformManaged"),
    }
}

/// Container names are unique across the ecosystem: purpose, kind and zone.
fn container_name(kind: &str, purpose: &str, zone: usize) -> String {
    format!("{purpose} {kind} {}", zone + 1)
}

fn milestoning_name(m: Milestoning) -> &'static str {
    match m {
        Milestoning::LiveOnly => "LIVE_ONLY",
        Milestoning::Forensic => "FORENSIC",
        Milestoning::LiveWithForensicHistory => "LIVE_WITH_FORENSIC_HISTORY",
    }
}

impl<'a> Generator<'a> {
    fn new(
        shape: &'a Shape,
        palette: &'a Palette,
        platforms: &'a [PlatformSpec],
    ) -> Result<Self, GenerateError> {
        let need = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(GenerateError::Palette(what.to_owned()))
            }
        };
        let mut methods = palette.usable_capture_methods();
        let watermark_type = ["Timestamp", "BigInt", "Integer"]
            .into_iter()
            .find(|t| palette.data_types.contains(t))
            .and_then(|t| palette.sample_type(t));
        if watermark_type.is_none() {
            methods.retain(|m| *m != "sqlWatermark");
        }
        need(
            !methods.is_empty() || shape.stores == 0,
            "no capture method with a supported source container",
        )?;
        let workspace_kinds = palette.workspace_kinds();
        need(
            !workspace_kinds.is_empty(),
            "no container kind a workspace can use",
        )?;
        need(
            !palette.milestoning.is_empty() || shape.workspaces == 0,
            "no milestoning strategy",
        )?;
        need(
            !palette.code_kinds.is_empty() || shape.transformers == 0,
            "no transformer code kind",
        )?;
        let key_type = palette
            .key_type()
            .ok_or_else(|| GenerateError::Palette("no type usable as a primary key".into()))?;
        let column_types: Vec<Value> = palette
            .data_types
            .iter()
            .filter_map(|t| palette.sample_type(t))
            .collect();
        if platforms.is_empty() {
            return Err(GenerateError::Shape(
                "no platform to assign groups to".into(),
            ));
        }
        if shape.zones == 0 || shape.columns == 0 || shape.datasets_per_store == 0 {
            return Err(GenerateError::Shape(
                "zones, datasets per store and columns must be at least 1".into(),
            ));
        }
        if shape.stores == 0 && (shape.transformers > 0 || shape.workspaces > 0) {
            return Err(GenerateError::Shape(
                "workspaces and transformers need at least one store to read".into(),
            ));
        }
        Ok(Generator {
            shape,
            palette,
            platforms,
            methods,
            workspace_kinds,
            key_type,
            column_types,
            watermark_type,
        })
    }

    fn ecosystem(&self) -> Value {
        let shape = self.shape;
        let mut zones = Map::new();
        let mut zone_declarations = Map::new();
        for z in 0..shape.zones {
            let zone = format!("Zone {}", z + 1);
            zone_declarations.insert(
                zone.clone(),
                json!({"repository": {"name": format!("acme/zone-{}", z + 1), "branch": "main"}}),
            );
            zones.insert(zone, self.zone(z));
        }
        let mut platforms = Map::new();
        for p in self.platforms {
            let mut declaration = json!({
                "kind": p.kind,
                "version": p.version,
                "locations": [LOCATION],
            });
            if !p.parameters.is_empty() {
                declaration["parameters"] = Value::Object(p.parameters.clone());
            }
            platforms.insert(p.name.clone(), declaration);
        }
        let assignments: Vec<Value> = (0..shape.workspaces)
            .map(|w| {
                json!({
                    "workspace": consumer(w),
                    "datasetGroup": "Main",
                    "platforms": [{
                        "platform": self.platforms[w % self.platforms.len()].name,
                        "status": "PROVISIONED"
                    }]
                })
            })
            .collect();
        let mut eco = json!({
            "name": "Generated",
            "owningRepository": {"name": "acme/ecosystem", "branch": "main"},
            "liveRepository": {"name": "acme/ecosystem", "branch": "live"},
            "documentation": {"description": format!(
                "A generated ecosystem: {} stores × {} datasets × {} columns, {} workspaces, {} transformers, seed {}.",
                shape.stores, shape.datasets_per_store, shape.columns, shape.workspaces, shape.transformers, shape.seed
            )},
            "vendors": {"AWS": {
                "hardCloudVendor": "AWS",
                "documentation": {"description": "Amazon Web Services."},
                "locations": {"USA": {"locations": {"us-east-1": {}}}}
            }},
            "platforms": platforms,
            "zoneDeclarations": zone_declarations,
            "zones": zones,
            "assignments": assignments,
        });
        if self.platforms.len() > 1 && shape.stores > 0 {
            // The first platform of each kind ingests; the others mirror it,
            // reading what a platform of their own kind merged.
            let mut firsts: Vec<&str> = Vec::new();
            let mut kinds: Vec<&str> = Vec::new();
            for p in self.platforms {
                if !kinds.contains(&p.kind.as_str()) {
                    kinds.push(&p.kind);
                    firsts.push(&p.name);
                }
            }
            let pip: Map<String, Value> = (0..shape.stores)
                .map(|i| (store(i), json!(firsts)))
                .collect();
            eco["primaryIngestionPlatforms"] = Value::Object(pip);
        }
        eco
    }

    fn zone(&self, z: usize) -> Value {
        let shape = self.shape;
        let repo = |team: &str| json!({"repository": {"name": format!("acme/zone-{}-{team}", z + 1), "branch": "main"}});
        let mut producers = json!({
            "documentation": {"description": "Owns the sources and the transformers."},
            "containers": self.containers(z, true),
        });
        let mut datastores = Map::new();
        for i in (z..shape.stores).step_by(shape.zones) {
            datastores.insert(store(i), self.datastore(i, z));
        }
        let mut transformers = Map::new();
        for t in (z..shape.transformers).step_by(shape.zones) {
            let (workspace, output) = self.transformer(t);
            datastores.insert(derived(t), output);
            transformers.insert(transformer_name(t), workspace);
        }
        producers["datastores"] = Value::Object(datastores);
        producers["workspaces"] = Value::Object(transformers);
        let mut workspaces = Map::new();
        for w in (z..shape.workspaces).step_by(shape.zones) {
            workspaces.insert(consumer(w), self.consumer(w));
        }
        let consumers = json!({
            "documentation": {"description": "Consumes the data."},
            "containers": self.containers(z, false),
            "workspaces": workspaces,
        });
        json!({
            "documentation": {"description": format!("Zone {}.", z + 1)},
            "classificationPolicies": {"Public data only": {
                "allowed": ["PUB"],
                "documentation": {"description": "The zone's workspaces receive public data only."}
            }},
            "vendorPolicies": {"AWS only": {"allowed": ["AWS"]}},
            "locationPolicies": {"US East only": {"allowed": [LOCATION]}},
            "teamDeclarations": {
                format!("Producers {}", z + 1): repo("producers"),
                format!("Consumers {}", z + 1): repo("consumers"),
            },
            "teams": {
                format!("Producers {}", z + 1): producers,
                format!("Consumers {}", z + 1): consumers,
            },
        })
    }

    fn containers(&self, z: usize, sources: bool) -> Value {
        let mut containers = Map::new();
        let mut add = |kind: &str, purpose: &str| {
            containers.insert(
                container_name(kind, purpose, z),
                json!({
                    "kind": kind_document(kind, z + 1, &purpose.to_lowercase()),
                    "locations": [LOCATION],
                }),
            );
        };
        if sources {
            for method in &self.methods {
                if let Some(kind) = self.source_kind(method) {
                    add(kind, "Source");
                }
            }
        }
        let purpose = if sources { "Transformer" } else { "Workspace" };
        for kind in &self.workspace_kinds {
            add(kind, purpose);
        }
        Value::Object(containers)
    }

    fn source_kind(&self, method: &str) -> Option<&'static str> {
        source_kinds(method)
            .iter()
            .copied()
            .find(|k| self.palette.container_kinds.contains(k))
    }

    fn datastore(&self, i: usize, z: usize) -> Value {
        let shape = self.shape;
        let method = self.methods[i % self.methods.len()];
        let mut datasets = Map::new();
        let watermark = method == "sqlWatermark";
        for d in 0..shape.datasets_per_store {
            let mut schema = self.schema(i * shape.datasets_per_store + d);
            if watermark && let Some(t) = &self.watermark_type {
                schema["columns"]["changed_at"] = json!({"type": t, "nullable": false});
            }
            datasets.insert(
                dataset(d),
                json!({"classifications": ["PUB"], "schema": schema}),
            );
        }
        let method_document = match method {
            "sqlWatermark" => json!({"sqlWatermark": {
                "watermarkColumn": "changed_at",
                "watermarkType": self.watermark_type,
            }}),
            "fileDrop" => {
                let formats = &self.palette.file_formats;
                let at = (i / self.methods.len()) % formats.len().max(1);
                json!({"fileDrop": {"format": formats.get(at).copied().unwrap_or("CSV")}})
            }
            other => json!({ other: {} }),
        };
        let consistency = if method == "kafka" || i % 3 == 2 {
            "SINGLE_DATASET"
        } else {
            "MULTI_DATASET"
        };
        let mut ingestion = json!({
            "container": container_name(self.source_kind(method).unwrap_or("database"), "Source", z),
            "consistency": consistency,
            "credential": {"name": format!("reader_{i:05}"), "type": "USER_PASSWORD"},
            "method": method_document,
        });
        if !self.palette.triggers.is_empty() {
            ingestion["trigger"] = match self.palette.triggers[i % self.palette.triggers.len()] {
                "external" => json!({"external": format!("{}_ready", store(i))}),
                _ => json!({"cron": "*/15 * * * *"}),
            };
        }
        json!({
            "capture": {"ingestion": ingestion},
            "datasets": datasets,
            "documentation": {"description": format!("Source {} of zone {}.", i + 1, z + 1)},
        })
    }

    /// The schema of the `n`th dataset: a key and columns of the palette's types in turn.
    fn schema(&self, n: usize) -> Value {
        let mut columns = Map::new();
        columns.insert(
            "id".into(),
            json!({"type": self.key_type, "nullable": false}),
        );
        for c in 1..self.shape.columns {
            let t = &self.column_types
                [(n * (self.shape.columns - 1) + c - 1) % self.column_types.len()];
            columns.insert(format!("col_{c:02}"), json!({"type": t}));
        }
        json!({"columns": columns, "primaryKey": ["id"]})
    }

    /// The dataset a transformer or consumer reads, chosen at random from the sources.
    /// The source dataset transformer `t` (an even one) reads: each reads a
    /// store of its own, from a seeded starting store, so two transformers
    /// that share a container never read one dataset (their input views
    /// would be one name in one database).
    fn transformer_source(&self, t: usize) -> (String, String) {
        let stores = self.shape.stores.max(1);
        let start = Rng::for_entity(self.shape.seed, 1, usize::MAX).below(stores);
        let mut rng = Rng::for_entity(self.shape.seed, 1, t);
        let d = rng.below(self.shape.datasets_per_store);
        (store((start + t / 2) % stores), dataset(d))
    }

    fn random_source(&self, rng: &mut Rng) -> (String, String) {
        let i = rng.below(self.shape.stores);
        let d = rng.below(self.shape.datasets_per_store);
        (store(i), dataset(d))
    }

    fn source_schema(&self, store_name: &str, dataset_name: &str) -> Value {
        let i: usize = store_name
            .trim_start_matches("store_")
            .parse()
            .unwrap_or_default();
        let d: usize = dataset_name
            .trim_start_matches("ds_")
            .parse::<usize>()
            .unwrap_or(1)
            .saturating_sub(1);
        let mut schema = self.schema(i * self.shape.datasets_per_store + d);
        let method = self.methods[i % self.methods.len()];
        if method == "sqlWatermark"
            && let Some(t) = &self.watermark_type
        {
            schema["columns"]["changed_at"] = json!({"type": t, "nullable": false});
        }
        schema
    }

    /// A transformer's workspace and its output datastore.
    fn transformer(&self, t: usize) -> (Value, Value) {
        let (input_store, input_dataset, schema) = if t % 2 == 1 {
            let schema = self.transformer_output_schema(t - 1);
            (derived(t - 1), dataset(0), schema)
        } else {
            let (s, d) = self.transformer_source(t);
            let schema = self.source_schema(&s, &d);
            (s, d, schema)
        };
        let columns: Vec<&str> = schema["columns"]
            .as_object()
            .map(|c| c.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let code = match self.palette.code_kinds[t % self.palette.code_kinds.len()] {
            "sql" => json!({"sql": {"queries": {dataset(0): format!(
                "SELECT {} FROM {input_store}_{input_dataset}",
                columns.join(", ")
            )}}}),
            "pythonRepo" => json!({"pythonRepo": {
                "repository": {"name": format!("acme/transformer-{t}"), "branch": "main"},
                "version": "1.0.0"
            }}),
            "python" => json!({"python": {"requirements": ["pandas>=2"]}}),
            _ => json!({"builtin": "EXTERNALIZE_MODEL"}),
        };
        let mut transformer = json!({"outputDatastore": derived(t), "code": code});
        if self.palette.triggers.contains(&"cron") && t % 4 == 2 {
            transformer["trigger"] = json!({"cron": "0 * * * *"});
        }
        let kind = self.workspace_kinds[t % self.workspace_kinds.len()];
        let workspace = json!({
            "container": container_name(kind, "Transformer", t % self.shape.zones),
            "datasetGroups": {"Input": {"sinks": [{"datastore": input_store, "dataset": input_dataset}]}},
            "transformer": transformer,
            "documentation": {"description": format!("Transformer {}.", t + 1)},
        });
        let output = json!({
            "capture": {"transformerOutput": {"workspace": transformer_name(t)}},
            "datasets": {dataset(0): {"classifications": ["PUB"], "schema": schema}},
            "documentation": {"description": format!("The output of transformer {}.", t + 1)},
        });
        (workspace, output)
    }

    fn transformer_output_schema(&self, t: usize) -> Value {
        if t % 2 == 1 {
            self.transformer_output_schema(t - 1)
        } else {
            let (s, d) = self.transformer_source(t);
            self.source_schema(&s, &d)
        }
    }

    fn consumer(&self, w: usize) -> Value {
        let mut rng = Rng::for_entity(self.shape.seed, 2, w);
        let mut sinks: Vec<(String, String)> = Vec::new();
        if w < self.shape.transformers {
            sinks.push((derived(w), dataset(0)));
        }
        // Consumer `w` reads store `w mod S`, so enough consumers read every store.
        let (stores, per_store) = (self.shape.stores, self.shape.datasets_per_store);
        sinks.push((store(w % stores), dataset((w / stores) % per_store)));
        let wanted = self.shape.sinks_per_group.max(1);
        let available = self.shape.stores * self.shape.datasets_per_store;
        let mut attempts = 0;
        while sinks.len() < wanted && attempts < wanted * 4 && available > 0 {
            attempts += 1;
            let sink = self.random_source(&mut rng);
            if !sinks.contains(&sink) {
                sinks.push(sink);
            }
        }
        let milestoning = self.palette.milestoning[w % self.palette.milestoning.len()];
        let kind = self.workspace_kinds[w % self.workspace_kinds.len()];
        json!({
            "container": container_name(kind, "Workspace", w % self.shape.zones),
            "datasetGroups": {"Main": {
                "sinks": sinks.iter().map(|(s, d)| json!({"datastore": s, "dataset": d})).collect::<Vec<_>>(),
                "requirements": {"milestoning": milestoning_name(milestoning), "latency": "MINUTES"},
            }},
            "documentation": {"description": format!("Consumer {}.", w + 1)},
        })
    }
}

fn store(i: usize) -> String {
    format!("store_{i:05}")
}

fn dataset(d: usize) -> String {
    format!("ds_{:02}", d + 1)
}

fn derived(t: usize) -> String {
    format!("derived_{t:05}")
}

fn transformer_name(t: usize) -> String {
    format!("transformer_{t:05}")
}

fn consumer(w: usize) -> String {
    format!("consumer_{w:05}")
}
