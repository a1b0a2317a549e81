//! The routes as one table, and the OpenAPI 3.1 document made from it
//! (committed at `schema/openapi.json`; a test keeps the two the same and
//! hits every route of the table on a running server).

use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::bodies::{
    DatasetBody, DatasetItem, DatastoreBody, DatastoreItem, DiagnosticsBody, EcosystemBody,
    PlatformBody, PlatformList, TeamBody, TeamItem, TransformerItem, WorkspaceBody, WorkspaceItem,
    ZoneBody, ZoneItem,
};
use crate::http::Page;
use crate::lineage::Lineage;
use crate::search::SearchEntry;

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A path segment (`{name}` in the route).
    Path,
    /// A query parameter.
    Query,
}

/// A parameter of a route.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Where it goes.
    pub place: In,
    /// What it is.
    pub description: &'static str,
    /// `string` or `integer`.
    pub kind: &'static str,
    /// The values it may take, if only some.
    pub one_of: &'static [&'static str],
    /// Its longest value, in characters, if it has one.
    pub max_length: Option<u32>,
}

/// Where a paged route's page starts.
const OFFSET: Param = query("offset", "How many items to pass over.", "integer");

/// How many items a paged route's page holds.
const LIMIT: Param = query(
    "limit",
    "How many items a page holds (100 if not given).",
    "integer",
);

/// A route of the service.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The path, with `{name}` for each path parameter.
    pub path: &'static str,
    /// The operation's id.
    pub id: &'static str,
    /// What it answers, in a line.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
    /// Whether the answer is a page of a list (`offset` and `limit`).
    pub paged: bool,
    /// Whether it can answer 404 (a name the model does not hold).
    pub named: bool,
}

impl Route {
    /// Its parameters, then `offset` and `limit` if it is paged.
    pub fn all_params(&self) -> impl Iterator<Item = &Param> {
        const PAGE: [Param; 2] = [OFFSET, LIMIT];
        self.params
            .iter()
            .chain(if self.paged { &PAGE[..] } else { &[] })
    }
}

const fn path(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        place: In::Path,
        description,
        kind: "string",
        one_of: &[],
        max_length: None,
    }
}

const fn query(name: &'static str, description: &'static str, kind: &'static str) -> Param {
    Param {
        name,
        place: In::Query,
        description,
        kind,
        one_of: &[],
        max_length: None,
    }
}

const fn choice(
    name: &'static str,
    description: &'static str,
    one_of: &'static [&'static str],
) -> Param {
    Param {
        name,
        place: In::Query,
        description,
        kind: "string",
        one_of,
        max_length: None,
    }
}

const ZONE: Param = path("zone", "A governance zone's name.");
const TEAM: Param = path("team", "A team's name.");
const STORE: Param = path("store", "A datastore's name.");
const DATASET: Param = path("dataset", "A dataset's name in its datastore.");
const WORKSPACE: Param = path("workspace", "A workspace's name.");
const PLATFORM: Param = path("platform", "A data platform's name.");

/// Every route of the service, in the order the document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        path: "/api/v1/ecosystem",
        id: "getEcosystem",
        summary: "The ecosystem: its repositories, vendors, counts of everything, and how many findings checking it gave.",
        params: &[],
        paged: false,
        named: false,
    },
    Route {
        path: "/api/v1/zones",
        id: "listZones",
        summary: "Every governance zone.",
        params: &[],
        paged: true,
        named: false,
    },
    Route {
        path: "/api/v1/zones/{zone}",
        id: "getZone",
        summary: "A governance zone: its repository, policies and teams.",
        params: &[ZONE],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/zones/{zone}/teams/{team}",
        id: "getTeam",
        summary: "A team: its repository, containers, datastores and workspaces.",
        params: &[ZONE, TEAM],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/teams",
        id: "listTeams",
        summary: "Every team, with its zone.",
        params: &[],
        paged: true,
        named: false,
    },
    Route {
        path: "/api/v1/datastores",
        id: "listDatastores",
        summary: "Every datastore, with its zone, team and the transformer that writes it, if one does.",
        params: &[],
        paged: true,
        named: false,
    },
    Route {
        path: "/api/v1/datastores/{store}",
        id: "getDatastore",
        summary: "A datastore as the model defines it: its capture metadata and its datasets with their schemas.",
        params: &[STORE],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/datastores/{store}/datasets",
        id: "listDatasets",
        summary: "The datasets of a datastore, with how many columns and readers each has.",
        params: &[STORE],
        paged: true,
        named: true,
    },
    Route {
        path: "/api/v1/datastores/{store}/datasets/{dataset}",
        id: "getDataset",
        summary: "A dataset: its schema and classifications, its owner, and the dataset groups that read it (with their platforms and transformers).",
        params: &[STORE, DATASET],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/datastores/{store}/datasets/{dataset}/lineage",
        id: "getLineage",
        summary: "A dataset's lineage: the transformers and datasets upstream of it, and the groups, transformers and datasets downstream, as nodes and edges.",
        params: &[
            STORE,
            DATASET,
            query(
                "depth",
                "How many transformers away to follow on each side (all, if not given).",
                "integer",
            ),
        ],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/datastores/{store}/datasets/{dataset}/columns",
        id: "getColumnLineage",
        summary: "A dataset's column lineage: for a transformer's output, the input columns each column comes from (copied, transformed, aggregated, through which functions) and those that decide its rows; for any dataset, the columns of transformers' outputs each of its columns makes.",
        params: &[STORE, DATASET],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/datastores/{store}/datasets/{dataset}/impact",
        id: "getImpact",
        summary: "Who a change to a dataset (or one of its columns) would break: each dataset group that reads it, or reads what a transformer derives from it, nearest first, with the team that owns it; the teams whose owners `verify` asks to approve a breaking change.",
        params: &[
            STORE,
            DATASET,
            query(
                "column",
                "A column of the dataset the change is to (its key and classifications are shown).",
                "string",
            ),
            query(
                "depth",
                "How many transformers away to follow (all, if not given).",
                "integer",
            ),
        ],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/datastores/{store}/datasets/{dataset}/freshness",
        id: "getFreshness",
        summary: "A dataset's freshness on each platform whose state the service reads (`serve --state`): its last committed batch and its age, live rows, failed and waiting batches, and where each consumer group queries it, judged against the group's latency.",
        params: &[STORE, DATASET],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/workspaces",
        id: "listWorkspaces",
        summary: "Every workspace, with its zone and team.",
        params: &[],
        paged: true,
        named: false,
    },
    Route {
        path: "/api/v1/workspaces/{workspace}",
        id: "getWorkspace",
        summary: "A workspace as the model defines it (dataset groups, sinks, transformer, hook), and the platforms each group is assigned to.",
        params: &[WORKSPACE],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/transformers",
        id: "listTransformers",
        summary: "Every data transformer: its workspace, inputs, output datastore and trigger.",
        params: &[],
        paged: true,
        named: false,
    },
    Route {
        path: "/api/v1/platforms",
        id: "listPlatforms",
        summary: "Every data platform, with its kind and the size of its intention graph.",
        params: &[],
        paged: false,
        named: false,
    },
    Route {
        path: "/api/v1/platforms/{platform}",
        id: "getPlatform",
        summary: "A data platform: its declaration, the dataset groups assigned to it and the datastores it ingests first.",
        params: &[PLATFORM],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/platforms/{platform}/graph",
        id: "getPlatformGraph",
        summary: "A platform's intention graph, in the export formats of `datasurface graph`.",
        params: &[
            PLATFORM,
            choice(
                "format",
                "`json` (the default), `dot` or `mermaid`.",
                &["json", "dot", "mermaid"],
            ),
            query(
                "chunkSize",
                "Split the graph into chunks of about this many nodes.",
                "integer",
            ),
        ],
        paged: false,
        named: true,
    },
    Route {
        path: "/api/v1/changes",
        id: "listChanges",
        summary: "When each of the model's files last changed, newest first: the zone or team it defines and, where the model is a git checkout, the commit (id, author, subject) that last changed it, or that the file differs from that commit.",
        params: &[],
        paged: true,
        named: false,
    },
    Route {
        path: "/api/v1/diagnostics",
        id: "getDiagnostics",
        summary: "What checking the served model found, and the outcome of the last reload (with its findings when it failed).",
        params: &[choice(
            "severity",
            "Only findings of this severity.",
            &["error", "warning"],
        )],
        paged: true,
        named: false,
    },
    Route {
        path: "/api/v1/search",
        id: "search",
        summary: "Zones, teams, datastores, datasets and workspaces whose name or documentation holds every word of the query; names first.",
        params: &[
            Param {
                name: "q",
                place: In::Query,
                description: "The words to find, in any case.",
                kind: "string",
                one_of: &[],
                max_length: Some(200),
            },
            choice(
                "kind",
                "Only objects of this kind.",
                &["zone", "team", "datastore", "dataset", "workspace"],
            ),
        ],
        paged: true,
        named: false,
    },
];

/// A link from one operation's answer to another operation, with where
/// the other's parameters come from (OpenAPI `links`): how a client, or a
/// fuzzer, gets from a list to the names in it.
struct Link {
    from: &'static str,
    name: &'static str,
    to: &'static str,
    parameters: &'static [(&'static str, &'static str)],
}

const FIRST_NAME: &str = "$response.body#/items/0/name";

const LINKS: &[Link] = &[
    Link {
        from: "listZones",
        name: "zone",
        to: "getZone",
        parameters: &[("zone", FIRST_NAME)],
    },
    Link {
        from: "getZone",
        name: "team",
        to: "getTeam",
        parameters: &[
            ("zone", "$request.path.zone"),
            ("team", "$response.body#/teams/0/name"),
        ],
    },
    Link {
        from: "listTeams",
        name: "team",
        to: "getTeam",
        parameters: &[
            ("zone", "$response.body#/items/0/zone"),
            ("team", FIRST_NAME),
        ],
    },
    Link {
        from: "listDatastores",
        name: "datastore",
        to: "getDatastore",
        parameters: &[("store", FIRST_NAME)],
    },
    Link {
        from: "listDatastores",
        name: "datasets",
        to: "listDatasets",
        parameters: &[("store", FIRST_NAME)],
    },
    Link {
        from: "listDatasets",
        name: "dataset",
        to: "getDataset",
        parameters: &[("store", "$request.path.store"), ("dataset", FIRST_NAME)],
    },
    Link {
        from: "getDataset",
        name: "lineage",
        to: "getLineage",
        parameters: &[
            ("store", "$request.path.store"),
            ("dataset", "$request.path.dataset"),
        ],
    },
    Link {
        from: "getDataset",
        name: "columns",
        to: "getColumnLineage",
        parameters: &[
            ("store", "$request.path.store"),
            ("dataset", "$request.path.dataset"),
        ],
    },
    Link {
        from: "getDataset",
        name: "impact",
        to: "getImpact",
        parameters: &[
            ("store", "$request.path.store"),
            ("dataset", "$request.path.dataset"),
        ],
    },
    Link {
        from: "getDataset",
        name: "freshness",
        to: "getFreshness",
        parameters: &[
            ("store", "$request.path.store"),
            ("dataset", "$request.path.dataset"),
        ],
    },
    Link {
        from: "listWorkspaces",
        name: "workspace",
        to: "getWorkspace",
        parameters: &[("workspace", FIRST_NAME)],
    },
    Link {
        from: "listPlatforms",
        name: "platform",
        to: "getPlatform",
        parameters: &[("platform", FIRST_NAME)],
    },
    Link {
        from: "listPlatforms",
        name: "graph",
        to: "getPlatformGraph",
        parameters: &[("platform", FIRST_NAME)],
    },
];

fn links(route: &Route) -> Option<Value> {
    let found: Map<String, Value> = LINKS
        .iter()
        .filter(|l| l.from == route.id)
        .map(|l| {
            let parameters: Map<String, Value> = l
                .parameters
                .iter()
                .map(|(name, from)| ((*name).to_owned(), json!(from)))
                .collect();
            (
                l.name.to_owned(),
                json!({"operationId": l.to, "parameters": parameters}),
            )
        })
        .collect();
    (!found.is_empty()).then(|| Value::Object(found))
}

/// The JSON Schema of a parameter's value.
pub(crate) fn param_schema(p: &Param) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".to_owned(), json!(p.kind));
    if p.kind == "integer" {
        // A page holds at least one item and at most `MAX_LIMIT`.
        let (least, most) = if p.name == LIMIT.name {
            (1, u64::try_from(crate::http::MAX_LIMIT).unwrap_or(u64::MAX))
        } else {
            (0, u64::from(u32::MAX))
        };
        schema.insert("minimum".to_owned(), json!(least));
        schema.insert("maximum".to_owned(), json!(most));
    }
    if let Some(n) = p.max_length {
        schema.insert("maxLength".to_owned(), json!(n));
    }
    if !p.one_of.is_empty() {
        schema.insert("enum".to_owned(), json!(p.one_of));
    }
    schema
}

fn parameter(p: &Param) -> Value {
    let schema = param_schema(p);
    json!({
        "name": p.name,
        "in": if p.place == In::Path { "path" } else { "query" },
        "required": p.place == In::Path,
        "description": p.description,
        "schema": schema,
    })
}

/// The schema of a route's JSON answer: a reference into the document's
/// components, which `generator` collects.
fn body_schema(id: &str, generator: &mut SchemaGenerator) -> Value {
    fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
        generator.subschema_for::<T>().to_value()
    }
    match id {
        "getEcosystem" => of::<EcosystemBody<'_>>(generator),
        "listZones" => of::<Page<ZoneItem<'_>>>(generator),
        "getZone" => of::<ZoneBody<'_>>(generator),
        "getTeam" => of::<TeamBody<'_>>(generator),
        "listTeams" => of::<Page<TeamItem<'_>>>(generator),
        "listDatastores" => of::<Page<DatastoreItem<'_>>>(generator),
        "getDatastore" => of::<DatastoreBody<'_>>(generator),
        "listDatasets" => of::<Page<DatasetItem<'_>>>(generator),
        "getDataset" => of::<DatasetBody<'_>>(generator),
        "getLineage" => of::<Lineage>(generator),
        "getColumnLineage" => of::<crate::columns::ColumnLineage>(generator),
        "getImpact" => of::<crate::impact::Impact>(generator),
        "getFreshness" => of::<crate::freshness::Freshness>(generator),
        "listWorkspaces" => of::<Page<WorkspaceItem<'_>>>(generator),
        "getWorkspace" => of::<WorkspaceBody<'_>>(generator),
        "listTransformers" => of::<Page<TransformerItem<'_>>>(generator),
        "listPlatforms" => of::<PlatformList<'_>>(generator),
        "getPlatform" => of::<PlatformBody<'_>>(generator),
        "listChanges" => of::<Page<crate::changes::ChangeItem>>(generator),
        "getDiagnostics" => of::<DiagnosticsBody<'_>>(generator),
        "search" => of::<Page<SearchEntry>>(generator),
        "getPlatformGraph" => of::<datasurface_graph::GraphExport<'_>>(generator),
        _ => json!({"type": "object"}),
    }
}

/// The schema of a route's JSON answer standing alone (its definitions
/// under `$defs`), an object: a tool's output schema.
#[cfg(feature = "mcp")]
pub(crate) fn output_schema(id: &str) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/$defs".into();
            s.contract = Contract::Serialize;
        })
        .into_generator();
    let body = body_schema(id, &mut generator);
    let mut schema = match body {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    schema.insert("type".to_owned(), json!("object"));
    let defs = generator.take_definitions(true);
    if !defs.is_empty() {
        schema.insert("$defs".to_owned(), Value::Object(defs));
    }
    Value::Object(schema)
}

fn operation(route: &Route, generator: &mut SchemaGenerator) -> Value {
    let params: Vec<Value> = route.all_params().map(parameter).collect();
    let content = if route.id == "getPlatformGraph" {
        json!({
            "application/json": {"schema": body_schema(route.id, generator)},
            "text/vnd.graphviz": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        })
    } else {
        json!({"application/json": {"schema": body_schema(route.id, generator)}})
    };
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        })
    };
    let mut responses = Map::new();
    let mut ok = json!({
        "description": "The answer, with an `ETag` derived from the model's content.",
        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
        "content": content,
    });
    if let (Some(links), Some(ok)) = (links(route), ok.as_object_mut()) {
        ok.insert("links".to_owned(), links);
    }
    responses.insert("200".to_owned(), ok);
    responses.insert(
        "304".to_owned(),
        json!({"description": "The copy whose tag the request's `If-None-Match` named is current."}),
    );
    responses.insert(
        "400".to_owned(),
        problem("A parameter the service cannot use."),
    );
    if route.named {
        responses.insert("404".to_owned(), problem("A name the model does not hold."));
    }
    json!({
        "get": {
            "operationId": route.id,
            "summary": route.summary,
            "parameters": params,
            "responses": responses,
        }
    })
}

/// The OpenAPI 3.1 document of the service, made from [`ROUTES`].
pub fn openapi() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.contract = Contract::Serialize;
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for route in ROUTES {
        paths.insert(route.path.to_owned(), operation(route, &mut generator));
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert("Problem".to_owned(), problem_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "DataSurface model service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A read-only view of a validated DataSurface model: its zones, teams, datastores and datasets with their schemas, workspaces, transformers, platforms and their intention graphs, lineage, diagnostics and search. Answers are JSON in the model file format's field names, in the model's order; long lists are paginated; every answer carries an ETag derived from the model's content.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "paths": paths,
        "components": {
            "headers": {
                "ETag": {
                    "description": "A strong tag: the same for every process serving the same model files.",
                    "schema": {"type": "string"}
                }
            },
            "schemas": schemas,
        }
    })
}

/// RFC 9457 problem details, as every error answers.
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"}
        }
    })
}
