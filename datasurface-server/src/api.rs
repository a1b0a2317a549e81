//! The routes: each answers from one served version, in the model's order.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use datasurface_core::PlatformDeclaration;
use datasurface_core::names::{DatasetName, DatastoreName, PlatformName};
use datasurface_graph::PlatformGraph;
use datasurface_rules::validate::Severity;
use serde::Deserialize;

use crate::bodies::{
    AssignedGroup, Counts, DatasetBody, DatasetItem, DatasetReader, DatastoreBody, DatastoreItem,
    DiagnosticsBody, EcosystemBody, FindingCounts, GroupPlatforms, PlatformBody, PlatformItem,
    PlatformList, StoreSummary, TeamBody, TeamItem, TeamSummary, TransformerItem, WorkspaceBody,
    WorkspaceItem, WorkspaceLink, ZoneBody, ZoneItem,
};
use crate::http::{PageQuery, answer_bytes, etag, query_value, segment, to_json};
use crate::problem::Problem;
use crate::service::ModelService;
use crate::snapshot::Snapshot;

type Shared = State<Arc<ModelService>>;
type Asked<T> = Result<Query<T>, QueryRejection>;

/// The service's routes over `service`: `/api/v1/…` and `/openapi.json`
/// (see [`ROUTES`](crate::ROUTES)), the catalogue page at `/` with its
/// assets under `/assets/`, and Prometheus metrics at `/metrics`. Anything
/// else is a 404 problem.
pub fn router(service: Arc<ModelService>) -> Router {
    Router::new()
        .route("/", get(crate::catalogue::page))
        .route("/assets/{name}", get(crate::catalogue::asset))
        .route("/openapi.json", get(openapi))
        .route("/api/v1/ecosystem", get(ecosystem))
        .route("/api/v1/zones", get(zones))
        .route("/api/v1/zones/{zone}", get(zone))
        .route("/api/v1/zones/{zone}/teams/{team}", get(team))
        .route("/api/v1/teams", get(teams))
        .route("/api/v1/datastores", get(datastores))
        .route("/api/v1/datastores/{store}", get(datastore))
        .route("/api/v1/datastores/{store}/datasets", get(datasets))
        .route(
            "/api/v1/datastores/{store}/datasets/{dataset}",
            get(dataset),
        )
        .route(
            "/api/v1/datastores/{store}/datasets/{dataset}/lineage",
            get(lineage),
        )
        .route(
            "/api/v1/datastores/{store}/datasets/{dataset}/columns",
            get(columns),
        )
        .route(
            "/api/v1/datastores/{store}/datasets/{dataset}/impact",
            get(impact),
        )
        .route(
            "/api/v1/datastores/{store}/datasets/{dataset}/freshness",
            get(freshness),
        )
        .route("/api/v1/workspaces", get(workspaces))
        .route("/api/v1/workspaces/{workspace}", get(workspace))
        .route("/api/v1/transformers", get(transformers))
        .route("/api/v1/platforms", get(platforms))
        .route("/api/v1/platforms/{platform}", get(platform))
        .route("/api/v1/platforms/{platform}/graph", get(graph))
        .route("/api/v1/changes", get(changes))
        .route("/api/v1/diagnostics", get(diagnostics))
        .route("/api/v1/search", get(search))
        .route("/metrics", get(crate::metrics::metrics))
        .fallback(|uri: Uri| async move {
            Problem::not_found(format!(
                "no resource at `{}`; the resources are listed at /openapi.json",
                uri.path()
            ))
        })
        .layer(axum::middleware::map_response(crate::problem::as_problem))
        .layer(axum::middleware::map_response(
            crate::catalogue::no_sniffing,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&service),
            crate::metrics::record,
        ))
        .with_state(service)
}

/// Answers a request from the served version: 304 if the client's copy is
/// current, else the JSON `body` writes (with [`to_json`]). `extra` is what
/// else the answer shows beyond the model (for its tag).
fn serve(
    service: &ModelService,
    uri: &Uri,
    headers: &HeaderMap,
    extra: &str,
    body: impl FnOnce(&Snapshot) -> Result<Vec<u8>, Problem>,
) -> Response {
    answer_from(&service.current(), uri, headers, extra, body)
}

/// [`serve`], from a snapshot the caller holds.
fn answer_from(
    snap: &Snapshot,
    uri: &Uri,
    headers: &HeaderMap,
    extra: &str,
    body: impl FnOnce(&Snapshot) -> Result<Vec<u8>, Problem>,
) -> Response {
    answer_bytes(headers, &tag_of(snap, uri, extra), || {
        Ok(("application/json", body(snap)?))
    })
}

/// The tag of the answer to `uri` from `snap`, showing `extra` besides.
fn tag_of(snap: &Snapshot, uri: &Uri, extra: &str) -> String {
    let request = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    etag(&snap.version.content_hash, extra, request)
}

fn asked<T: Default>(query: Asked<T>) -> Result<T, Problem> {
    query
        .map(|Query(q)| q)
        .map_err(|e| Problem::bad_request(e.body_text()))
}

async fn openapi(headers: HeaderMap) -> Response {
    let text = crate::openapi::openapi().to_string();
    let tag = etag(&text, "", "/openapi.json");
    answer_bytes(&headers, &tag, || {
        Ok(("application/json", text.into_bytes()))
    })
}

async fn ecosystem(State(s): Shared, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let eco = snap.eco();
        let datasets: usize = eco.datastores().map(|(_, _, d)| d.datasets.len()).sum();
        to_json(&EcosystemBody {
            name: &eco.name,
            owning_repository: &eco.owning_repository,
            live_repository: &eco.live_repository,
            documentation: eco.documentation.as_ref(),
            vendors: &eco.vendors,
            content_hash: &snap.version.content_hash,
            counts: Counts {
                zones: eco.zones.len(),
                teams: eco.teams().count(),
                datastores: snap.stores.len(),
                datasets,
                workspaces: snap.workspaces.len(),
                transformers: snap.producers.len(),
                platforms: eco.platforms.len(),
            },
            diagnostics: FindingCounts {
                errors: snap.errors,
                warnings: snap.warnings,
            },
        })
    })
}

async fn zones(State(s): Shared, uri: Uri, headers: HeaderMap, q: Asked<PageQuery>) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let eco = snap.eco();
        let items = eco.zones.iter().map(|(name, z)| ZoneItem {
            name,
            href: format!("/api/v1/zones/{}", segment(name.as_str())),
            teams: z.teams.len(),
            description: described(z.documentation.as_ref()),
        });
        to_json(&q.page(uri.path(), eco.zones.len(), items, "")?)
    })
}

async fn zone(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let eco = snap.eco();
        let (name, z) = eco
            .zones
            .get_key_value(name.as_str())
            .ok_or_else(|| Problem::not_found(format!("no zone `{name}`")))?;
        let teams = z
            .teams
            .iter()
            .map(|(team, t)| TeamSummary {
                name: team,
                href: format!(
                    "/api/v1/zones/{}/teams/{}",
                    segment(name.as_str()),
                    segment(team.as_str())
                ),
                datastores: t.datastores.len(),
                workspaces: t.workspaces.len(),
            })
            .collect();
        to_json(&ZoneBody {
            name,
            repository: eco.zone_declarations.get(name).map(|d| &d.repository),
            documentation: z.documentation.as_ref(),
            storage_policies: &z.storage_policies,
            classification_policies: &z.classification_policies,
            vendor_policies: &z.vendor_policies,
            location_policies: &z.location_policies,
            hard_vendor_policies: &z.hard_vendor_policies,
            platform_policies: &z.platform_policies,
            team_declarations: &z.team_declarations,
            teams,
        })
    })
}

async fn team(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path((zone, team)): Path<(String, String)>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let z = snap
            .eco()
            .zones
            .get(zone.as_str())
            .ok_or_else(|| Problem::not_found(format!("no zone `{zone}`")))?;
        let (name, t) = z
            .teams
            .get_key_value(team.as_str())
            .ok_or_else(|| Problem::not_found(format!("no team `{team}` in zone `{zone}`")))?;
        let datastores = t
            .datastores
            .iter()
            .map(|(n, d)| StoreSummary {
                name: n,
                href: store_href(n.as_str()),
                datasets: d.datasets.len(),
            })
            .collect();
        let workspaces = t
            .workspaces
            .keys()
            .map(|n| WorkspaceLink {
                name: n,
                href: workspace_href(n.as_str()),
            })
            .collect();
        to_json(&TeamBody {
            zone: &zone,
            name,
            repository: z.team_declarations.get(name).map(|d| &d.repository),
            documentation: t.documentation.as_ref(),
            containers: &t.containers,
            datastores,
            workspaces,
        })
    })
}

async fn teams(State(s): Shared, uri: Uri, headers: HeaderMap, q: Asked<PageQuery>) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let eco = snap.eco();
        let items = eco.teams().map(|(at, t)| TeamItem {
            zone: at.zone,
            name: at.team,
            href: format!(
                "/api/v1/zones/{}/teams/{}",
                segment(at.zone.as_str()),
                segment(at.team.as_str())
            ),
            datastores: t.datastores.len(),
            workspaces: t.workspaces.len(),
        });
        to_json(&q.page(uri.path(), eco.teams().count(), items, "")?)
    })
}

/// The description of what a piece of documentation documents.
fn described(documentation: Option<&datasurface_core::Documentation>) -> Option<&str> {
    documentation.map(|d| d.description.as_str())
}

fn store_href(store: &str) -> String {
    format!("/api/v1/datastores/{}", segment(store))
}

fn dataset_href(store: &str, dataset: &str) -> String {
    format!("{}/datasets/{}", store_href(store), segment(dataset))
}

fn workspace_href(ws: &str) -> String {
    format!("/api/v1/workspaces/{}", segment(ws))
}

async fn datastores(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    q: Asked<PageQuery>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let items = snap.eco().datastores().map(|(at, name, d)| DatastoreItem {
            name,
            zone: at.zone,
            team: at.team,
            href: store_href(name.as_str()),
            datasets: d.datasets.len(),
            description: described(d.documentation.as_deref()),
            produced_by: snap.producers.get(name),
        });
        to_json(&q.page(uri.path(), snap.stores.len(), items, "")?)
    })
}

fn found_store<'a>(
    snap: &'a Snapshot,
    store: &str,
) -> Result<
    (
        &'a str,
        &'a str,
        &'a DatastoreName,
        &'a datasurface_core::Datastore,
    ),
    Problem,
> {
    snap.datastore(store)
        .ok_or_else(|| Problem::not_found(format!("no datastore `{store}`")))
}

async fn datastore(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path(store): Path<String>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let (zone, team, name, d) = found_store(snap, &store)?;
        to_json(&DatastoreBody {
            name,
            zone,
            team,
            href: store_href(name.as_str()),
            produced_by: snap.producers.get(name),
            datastore: d,
        })
    })
}

async fn datasets(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path(store): Path<String>,
    q: Asked<PageQuery>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let (_, _, name, d) = found_store(snap, &store)?;
        let items = d.datasets.iter().map(|(n, ds)| DatasetItem {
            name: n,
            href: dataset_href(name.as_str(), n.as_str()),
            columns: ds.schema.columns.len(),
            readers: snap.readers_of(name, n).len(),
            description: described(ds.documentation.as_deref()),
        });
        to_json(&q.page(uri.path(), d.datasets.len(), items, "")?)
    })
}

fn found_dataset<'a>(
    snap: &'a Snapshot,
    store: &str,
    dataset: &str,
) -> Result<
    (
        &'a str,
        &'a str,
        &'a DatastoreName,
        &'a DatasetName,
        &'a datasurface_core::Dataset,
    ),
    Problem,
> {
    let (zone, team, name, d) = found_store(snap, store)?;
    let (ds_name, ds) = d.datasets.get_key_value(dataset).ok_or_else(|| {
        Problem::not_found(format!("no dataset `{dataset}` in datastore `{store}`"))
    })?;
    Ok((zone, team, name, ds_name, ds))
}

async fn dataset(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path((store, dataset)): Path<(String, String)>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let (zone, team, store, name, ds) = found_dataset(snap, &store, &dataset)?;
        let readers = snap
            .readers_of(store, name)
            .iter()
            .map(|r| {
                let platforms = snap
                    .assigned
                    .get(&(r.workspace.clone(), r.group.clone()))
                    .map_or(&[][..], Vec::as_slice);
                let through = snap
                    .workspace(r.workspace.as_str())
                    .and_then(|(_, _, _, w)| w.transformer.as_ref())
                    .map(|t| &t.output_datastore);
                DatasetReader {
                    workspace: &r.workspace,
                    group: &r.group,
                    href: workspace_href(r.workspace.as_str()),
                    platforms,
                    transformer_output: through,
                }
            })
            .collect();
        let href = dataset_href(store.as_str(), name.as_str());
        to_json(&DatasetBody {
            datastore: store,
            name,
            zone,
            team,
            lineage: format!("{href}/lineage"),
            href,
            produced_by: snap.producers.get(store),
            readers,
            dataset: ds,
        })
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DepthQuery {
    depth: Option<u32>,
}

async fn lineage(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path((store, dataset)): Path<(String, String)>,
    q: Asked<DepthQuery>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let (_, _, store, name, _) = found_dataset(snap, &store, &dataset)?;
        to_json(&crate::lineage::lineage(
            snap,
            store,
            name,
            q.depth.map_or(usize::MAX, crate::http::wide),
        ))
    })
}

async fn columns(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path((store, dataset)): Path<(String, String)>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let (_, _, store, name, d) = found_dataset(snap, &store, &dataset)?;
        let columns: Vec<String> = d.schema.columns.keys().map(ToString::to_string).collect();
        to_json(&crate::columns::column_lineage(snap, store, name, &columns))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImpactQuery {
    column: Option<String>,
    depth: Option<u32>,
}

async fn impact(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path((store, dataset)): Path<(String, String)>,
    q: Asked<ImpactQuery>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let (zone, team, store, name, d) = found_dataset(snap, &store, &dataset)?;
        let column = match q.column.as_deref() {
            Some(column) => Some(
                crate::impact::column_asked(d, column)
                    .map_err(|why| Problem::not_found(format!("`{store}.{name}`: {why}")))?,
            ),
            None => None,
        };
        to_json(&crate::impact::impact(
            snap,
            (zone, team),
            store,
            name,
            column,
            q.depth.map_or(usize::MAX, crate::http::wide),
        ))
    })
}

async fn freshness(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path((store, dataset)): Path<(String, String)>,
) -> Response {
    let snap = s.current();
    let found =
        found_dataset(&snap, &store, &dataset).map(|(_, _, s, d, _)| (s.clone(), d.clone()));
    let (store, dataset) = match found {
        Ok(names) => names,
        Err(problem) => return problem.into_response(),
    };
    let state = s.run_state();
    // Reading the platforms' state is IO: off the async workers.
    let held = Arc::clone(&snap);
    let body = tokio::task::spawn_blocking(move || {
        to_json(&crate::freshness::freshness(
            &held,
            state.as_ref(),
            &store,
            &dataset,
        ))
    })
    .await;
    match body {
        // The state changes with every batch: the tag is the answer's own.
        Ok(Ok(bytes)) => {
            let tag = tag_of(&snap, &uri, &String::from_utf8_lossy(&bytes));
            answer_bytes(&headers, &tag, || Ok(("application/json", bytes)))
        }
        Ok(Err(problem)) => problem.into_response(),
        Err(e) => Problem::other(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("reading the platforms' state failed: {e}"),
        )
        .into_response(),
    }
}

async fn workspaces(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    q: Asked<PageQuery>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let items = snap.eco().workspaces().map(|(at, name, w)| WorkspaceItem {
            name,
            zone: at.zone,
            team: at.team,
            href: workspace_href(name.as_str()),
            dataset_groups: w.dataset_groups.len(),
            transformer: w.transformer.is_some(),
            description: described(w.documentation.as_ref()),
        });
        to_json(&q.page(uri.path(), snap.workspaces.len(), items, "")?)
    })
}

async fn workspace(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let (zone, team, name, w) = snap
            .workspace(&ws)
            .ok_or_else(|| Problem::not_found(format!("no workspace `{ws}`")))?;
        let assignments = w
            .dataset_groups
            .keys()
            .map(|g| {
                let platforms = snap
                    .assigned
                    .get(&(name.clone(), g.clone()))
                    .map_or(&[][..], Vec::as_slice);
                GroupPlatforms { name: g, platforms }
            })
            .collect();
        to_json(&WorkspaceBody {
            name,
            zone,
            team,
            href: workspace_href(name.as_str()),
            assignments,
            workspace: w,
        })
    })
}

async fn transformers(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    q: Asked<PageQuery>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let items = snap
            .eco()
            .workspaces()
            .filter_map(|(at, name, w)| w.transformer.as_ref().map(|t| (at, name, w, t)))
            .map(|(at, name, w, t)| {
                let inputs: Vec<String> = w
                    .sinks()
                    .map(|(_, s)| format!("{}.{}", s.datastore, s.dataset))
                    .collect();
                TransformerItem {
                    workspace: name,
                    zone: at.zone,
                    team: at.team,
                    href: workspace_href(name.as_str()),
                    output_datastore: &t.output_datastore,
                    inputs,
                    trigger: t.trigger.as_ref(),
                    hooked: w.hook.is_some(),
                }
            });
        to_json(&q.page(uri.path(), snap.producers.len(), items, "")?)
    })
}

/// A declared platform: its name, its declaration and its graph (none when
/// it has nothing to do).
fn declared<'a>(
    snap: &'a Snapshot,
    platform: &str,
) -> Result<
    (
        &'a PlatformName,
        &'a PlatformDeclaration,
        Option<&'a PlatformGraph>,
    ),
    Problem,
> {
    let (name, declaration) = snap
        .eco()
        .platforms
        .get_key_value(platform)
        .ok_or_else(|| Problem::not_found(format!("no platform `{platform}`")))?;
    Ok((name, declaration, snap.graphs.graphs.get(platform)))
}

async fn platforms(State(s): Shared, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let items = snap
            .eco()
            .platforms
            .iter()
            .map(|(name, d)| PlatformItem {
                name,
                kind: d.kind.as_str(),
                href: format!("/api/v1/platforms/{}", segment(name.as_str())),
                nodes: snap.graphs.graphs.get(name).map_or(0, PlatformGraph::len),
            })
            .collect();
        to_json(&PlatformList { items })
    })
}

async fn platform(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path(p): Path<String>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let (name, declaration, graph) = declared(snap, &p)?;
        let assignments = snap
            .assigned
            .iter()
            .filter(|(_, platforms)| platforms.contains(name))
            .map(|((ws, g), _)| AssignedGroup {
                workspace: ws,
                group: g,
                href: workspace_href(ws.as_str()),
            })
            .collect();
        let primary: Vec<&DatastoreName> = snap
            .eco()
            .primary_ingestion_platforms
            .iter()
            .filter(|(_, platforms)| platforms.contains(name))
            .map(|(store, _)| store)
            .collect();
        to_json(&PlatformBody {
            name,
            declaration,
            assignments,
            primary_ingestion_of: primary,
            nodes: graph.map_or(0, PlatformGraph::len),
            graph: format!("/api/v1/platforms/{}/graph", segment(name.as_str())),
        })
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GraphQuery {
    format: Option<String>,
    chunk_size: Option<u32>,
}

async fn graph(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    Path(p): Path<String>,
    q: Asked<GraphQuery>,
) -> Response {
    let snap = s.current();
    answer_bytes(&headers, &tag_of(&snap, &uri, ""), || {
        let q = asked(q)?;
        let (name, _, graph) = declared(&snap, &p)?;
        let empty;
        let graph = if let Some(graph) = graph {
            graph
        } else {
            empty = PlatformGraph::new(name.clone());
            &empty
        };
        let chunks = q
            .chunk_size
            .map(|n| graph.chunks(crate::http::wide(n).max(1)));
        let (kind, text) = match q.format.as_deref().unwrap_or("json") {
            "json" => (
                "application/json",
                graph.to_json(chunks.as_ref()).to_string(),
            ),
            "dot" => ("text/vnd.graphviz", graph.to_dot(chunks.as_ref())),
            "mermaid" => (
                "text/plain; charset=utf-8",
                datasurface_graph::mermaid([graph]),
            ),
            other => {
                return Err(Problem::bad_request(format!(
                    "format `{other}` is not one of json, dot, mermaid"
                )));
            }
        };
        Ok((kind, text.into_bytes()))
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiagnosticsQuery {
    severity: Option<String>,
    offset: Option<u32>,
    limit: Option<u32>,
}

/// When the model's files last changed, newest first: each with the zone
/// or team it defines and, from git, the commit.
async fn changes(State(s): Shared, uri: Uri, headers: HeaderMap, q: Asked<PageQuery>) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let changes = &snap.version.changes;
        let items = changes.iter().map(|c| {
            let href = match (&c.zone, &c.team) {
                (Some(zone), Some(team)) => Some(format!(
                    "/api/v1/zones/{}/teams/{}",
                    segment(zone.as_str()),
                    segment(team.as_str())
                )),
                (Some(zone), None) => Some(format!("/api/v1/zones/{}", segment(zone.as_str()))),
                _ => None,
            };
            crate::changes::ChangeItem::of(c, href)
        });
        to_json(&q.page(uri.path(), changes.len(), items, "")?)
    })
}

async fn diagnostics(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    q: Asked<DiagnosticsQuery>,
) -> Response {
    let snap = s.current();
    let status = s.status();
    let located = snap.located();
    let extra = format!("{}:{}", s.status_tag(), located.is_some());
    answer_from(&snap, &uri, &headers, &extra, |snap| {
        let q = asked(q)?;
        let wanted = match q.severity.as_deref() {
            None => None,
            Some("error") => Some(Severity::Error),
            Some("warning") => Some(Severity::Warning),
            Some(other) => {
                return Err(Problem::bad_request(format!(
                    "severity `{other}` is not one of error, warning"
                )));
            }
        };
        let all = located.as_deref().unwrap_or(&snap.version.diagnostics);
        let found: Vec<_> = all
            .iter()
            .filter(|d| wanted.is_none_or(|w| d.severity == w))
            .collect();
        let extra = q
            .severity
            .as_deref()
            .map(|v| format!("severity={}&", query_value(v)))
            .unwrap_or_default();
        let page = PageQuery {
            offset: q.offset,
            limit: q.limit,
        }
        .page(uri.path(), found.len(), found.iter().copied(), &extra)?;
        to_json(&DiagnosticsBody {
            errors: snap.errors,
            warnings: snap.warnings,
            located: located.is_some(),
            page,
            reload: status,
        })
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: Option<String>,
    kind: Option<String>,
    offset: Option<u32>,
    limit: Option<u32>,
}

/// The longest search, in characters: each word is looked for in every entry.
const MAX_QUERY: usize = 200;

const KINDS: [&str; 5] = ["zone", "team", "datastore", "dataset", "workspace"];

async fn search(State(s): Shared, uri: Uri, headers: HeaderMap, q: Asked<SearchQuery>) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let text = q.q.as_deref().unwrap_or_default();
        if text.chars().count() > MAX_QUERY {
            return Err(Problem::bad_request(format!(
                "a search is at most {MAX_QUERY} characters"
            )));
        }
        if let Some(kind) = q.kind.as_deref()
            && !KINDS.contains(&kind)
        {
            return Err(Problem::bad_request(format!(
                "kind `{kind}` is not one of {}",
                KINDS.join(", ")
            )));
        }
        let found = crate::search::find(&snap.search, text, q.kind.as_deref());
        let mut extra = format!("q={}&", query_value(text));
        if let Some(kind) = &q.kind {
            let _ = write!(extra, "kind={}&", query_value(kind));
        }
        let page = PageQuery {
            offset: q.offset,
            limit: q.limit,
        }
        .page(uri.path(), found.len(), found.into_iter(), &extra)?;
        to_json(&page)
    })
}
