//! The routes: each answers from one served version, in the model's order.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use datasurface_graph::PlatformGraph;
use datasurface_model::PlatformDeclaration;
use datasurface_model::names::{DatasetName, DatastoreName, PlatformName};
use datasurface_model::validate::Severity;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::http::{PageQuery, answer, answer_bytes, etag, query_value, segment};
use crate::problem::Problem;
use crate::service::ModelService;
use crate::snapshot::Snapshot;

type Shared = State<Arc<ModelService>>;
type Asked<T> = Result<Query<T>, QueryRejection>;

/// The service's routes over `service`: `/api/v1/…` and `/openapi.json`
/// (see [`ROUTES`](crate::ROUTES)), and the catalogue page at `/` with its
/// assets under `/assets/`. Anything else is a 404 problem.
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
        .route("/api/v1/workspaces", get(workspaces))
        .route("/api/v1/workspaces/{workspace}", get(workspace))
        .route("/api/v1/transformers", get(transformers))
        .route("/api/v1/platforms", get(platforms))
        .route("/api/v1/platforms/{platform}", get(platform))
        .route("/api/v1/platforms/{platform}/graph", get(graph))
        .route("/api/v1/diagnostics", get(diagnostics))
        .route("/api/v1/search", get(search))
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
        .with_state(service)
}

/// Answers a request from the served version: 304 if the client's copy is
/// current, else `body`'s value as JSON. `extra` is what else the answer
/// shows beyond the model (for its tag).
fn serve<T: Serialize>(
    service: &ModelService,
    uri: &Uri,
    headers: &HeaderMap,
    extra: &str,
    body: impl FnOnce(&Snapshot) -> Result<T, Problem>,
) -> Response {
    answer_from(&service.current(), uri, headers, extra, body)
}

/// [`serve`], from a snapshot the caller holds.
fn answer_from<T: Serialize>(
    snap: &Snapshot,
    uri: &Uri,
    headers: &HeaderMap,
    extra: &str,
    body: impl FnOnce(&Snapshot) -> Result<T, Problem>,
) -> Response {
    answer(headers, &tag_of(snap, uri, extra), || body(snap))
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
        Ok(json!({
            "name": eco.name,
            "owningRepository": eco.owning_repository,
            "liveRepository": eco.live_repository,
            "documentation": eco.documentation,
            "vendors": eco.vendors,
            "contentHash": snap.version.content_hash,
            "counts": {
                "zones": eco.zones.len(),
                "teams": eco.teams().count(),
                "datastores": snap.stores.len(),
                "datasets": datasets,
                "workspaces": snap.workspaces.len(),
                "transformers": snap.producers.len(),
                "platforms": eco.platforms.len(),
            },
            "diagnostics": {"errors": snap.errors, "warnings": snap.warnings},
        }))
    })
}

async fn zones(State(s): Shared, uri: Uri, headers: HeaderMap, q: Asked<PageQuery>) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let eco = snap.eco();
        let items = eco.zones.iter().map(|(name, z)| {
            json!({
                "name": name,
                "href": format!("/api/v1/zones/{}", segment(name.as_str())),
                "teams": z.teams.len(),
                "description": z.documentation.as_ref().map(|d| &d.description),
            })
        });
        q.page(uri.path(), eco.zones.len(), items, "")
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
        let teams: Vec<Value> = z
            .teams
            .iter()
            .map(|(team, t)| {
                json!({
                    "name": team,
                    "href": format!("/api/v1/zones/{}/teams/{}", segment(name.as_str()), segment(team.as_str())),
                    "datastores": t.datastores.len(),
                    "workspaces": t.workspaces.len(),
                })
            })
            .collect();
        Ok(json!({
            "name": name,
            "repository": eco.zone_declarations.get(name).map(|d| &d.repository),
            "documentation": z.documentation,
            "storagePolicies": z.storage_policies,
            "classificationPolicies": z.classification_policies,
            "vendorPolicies": z.vendor_policies,
            "locationPolicies": z.location_policies,
            "hardVendorPolicies": z.hard_vendor_policies,
            "platformPolicies": z.platform_policies,
            "teamDeclarations": z.team_declarations,
            "teams": teams,
        }))
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
        let stores: Vec<Value> = t
            .datastores
            .iter()
            .map(|(n, d)| json!({"name": n, "href": store_href(n.as_str()), "datasets": d.datasets.len()}))
            .collect();
        let workspaces: Vec<Value> = t
            .workspaces
            .keys()
            .map(|n| json!({"name": n, "href": workspace_href(n.as_str())}))
            .collect();
        Ok(json!({
            "zone": zone,
            "name": name,
            "repository": z.team_declarations.get(name).map(|d| &d.repository),
            "documentation": t.documentation,
            "containers": t.containers,
            "datastores": stores,
            "workspaces": workspaces,
        }))
    })
}

async fn teams(State(s): Shared, uri: Uri, headers: HeaderMap, q: Asked<PageQuery>) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let eco = snap.eco();
        let items = eco.teams().map(|(at, t)| {
            json!({
                "zone": at.zone,
                "name": at.team,
                "href": format!("/api/v1/zones/{}/teams/{}", segment(at.zone.as_str()), segment(at.team.as_str())),
                "datastores": t.datastores.len(),
                "workspaces": t.workspaces.len(),
            })
        });
        q.page(uri.path(), eco.teams().count(), items, "")
    })
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
        let items = snap.eco().datastores().map(|(at, name, d)| {
            json!({
                "name": name,
                "zone": at.zone,
                "team": at.team,
                "href": store_href(name.as_str()),
                "datasets": d.datasets.len(),
                "description": d.documentation.as_ref().map(|d| &d.description),
                "producedBy": snap.producers.get(name),
            })
        });
        q.page(uri.path(), snap.stores.len(), items, "")
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
        &'a datasurface_model::Datastore,
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
        Ok(json!({
            "name": name,
            "zone": zone,
            "team": team,
            "href": store_href(name.as_str()),
            "producedBy": snap.producers.get(name),
            "datastore": d,
        }))
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
        let items = d.datasets.iter().map(|(n, ds)| {
            json!({
                "name": n,
                "href": dataset_href(name.as_str(), n.as_str()),
                "columns": ds.schema.columns.len(),
                "readers": snap.readers_of(name, n).len(),
                "description": ds.documentation.as_ref().map(|d| &d.description),
            })
        });
        q.page(uri.path(), d.datasets.len(), items, "")
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
        &'a datasurface_model::Dataset,
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
        let readers: Vec<Value> = snap
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
                json!({
                    "workspace": r.workspace,
                    "group": r.group,
                    "href": workspace_href(r.workspace.as_str()),
                    "platforms": platforms,
                    "transformerOutput": through,
                })
            })
            .collect();
        Ok(json!({
            "datastore": store,
            "name": name,
            "zone": zone,
            "team": team,
            "href": dataset_href(store.as_str(), name.as_str()),
            "lineage": format!("{}/lineage", dataset_href(store.as_str(), name.as_str())),
            "producedBy": snap.producers.get(store),
            "readers": readers,
            "dataset": ds,
        }))
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
        Ok(crate::lineage::lineage(
            snap,
            store,
            name,
            q.depth.map_or(usize::MAX, crate::http::wide),
        ))
    })
}

async fn workspaces(
    State(s): Shared,
    uri: Uri,
    headers: HeaderMap,
    q: Asked<PageQuery>,
) -> Response {
    serve(&s, &uri, &headers, "", |snap| {
        let q = asked(q)?;
        let items = snap.eco().workspaces().map(|(at, name, w)| {
            json!({
                "name": name,
                "zone": at.zone,
                "team": at.team,
                "href": workspace_href(name.as_str()),
                "datasetGroups": w.dataset_groups.len(),
                "transformer": w.transformer.is_some(),
                "description": w.documentation.as_ref().map(|d| &d.description),
            })
        });
        q.page(uri.path(), snap.workspaces.len(), items, "")
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
        let groups: Vec<Value> = w
            .dataset_groups
            .keys()
            .map(|g| {
                let platforms = snap
                    .assigned
                    .get(&(name.clone(), g.clone()))
                    .map_or(&[][..], Vec::as_slice);
                json!({"name": g, "platforms": platforms})
            })
            .collect();
        Ok(json!({
            "name": name,
            "zone": zone,
            "team": team,
            "href": workspace_href(name.as_str()),
            "assignments": groups,
            "workspace": w,
        }))
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
                json!({
                    "workspace": name,
                    "zone": at.zone,
                    "team": at.team,
                    "href": workspace_href(name.as_str()),
                    "outputDatastore": t.output_datastore,
                    "inputs": inputs,
                    "trigger": t.trigger,
                    "hooked": w.hook.is_some(),
                })
            });
        q.page(uri.path(), snap.producers.len(), items, "")
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
        let items: Vec<Value> = snap
            .eco()
            .platforms
            .iter()
            .map(|(name, d)| {
                json!({
                    "name": name,
                    "kind": d.kind,
                    "href": format!("/api/v1/platforms/{}", segment(name.as_str())),
                    "nodes": snap.graphs.graphs.get(name).map_or(0, PlatformGraph::len),
                })
            })
            .collect();
        Ok(json!({ "items": items }))
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
        let assigned: Vec<Value> = snap
            .assigned
            .iter()
            .filter(|(_, platforms)| platforms.contains(name))
            .map(|((ws, g), _)| json!({"workspace": ws, "group": g, "href": workspace_href(ws.as_str())}))
            .collect();
        let primary: Vec<&DatastoreName> = snap
            .eco()
            .primary_ingestion_platforms
            .iter()
            .filter(|(_, platforms)| platforms.contains(name))
            .map(|(store, _)| store)
            .collect();
        Ok(json!({
            "name": name,
            "declaration": declaration,
            "assignments": assigned,
            "primaryIngestionOf": primary,
            "nodes": graph.map_or(0, PlatformGraph::len),
            "graph": format!("/api/v1/platforms/{}/graph", segment(name.as_str())),
        }))
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
        Ok(json!({
            "errors": snap.errors,
            "warnings": snap.warnings,
            "located": located.is_some(),
            "page": page,
            "reload": status,
        }))
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
        PageQuery {
            offset: q.offset,
            limit: q.limit,
        }
        .page(uri.path(), found.len(), found.into_iter().cloned(), &extra)
    })
}
