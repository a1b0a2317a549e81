//! Every route, answers and problems.

use datasurface_rules::BuildValid as _;
use datasurface_server::{ROUTES, openapi};
use serde_json::Value;

use crate::{Running, header, northwind_version};

/// A path of each route with Northwind's names in it.
pub(crate) fn sample(route: &str) -> String {
    route
        .replace("{zone}", "USA")
        .replace("{team}", "NorthwindTeam")
        .replace("{store}", "NW_Data")
        .replace("{dataset}", "customers")
        .replace("{workspace}", "ProductAnalytics")
        .replace("{platform}", &encoded(&platform()))
}

/// A name as a path segment.
fn encoded(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn platform() -> String {
    let eco = datasurface_fixtures::northwind().build_valid().unwrap();
    eco.platforms.keys().next().unwrap().to_string()
}

#[test]
fn every_route_of_the_table_answers_and_names_not_held_are_404_problems() {
    let server = Running::start(northwind_version("m1"));
    for route in ROUTES {
        let path = sample(route.path);
        let (status, headers, body) = server.get(&path, None);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(header(&headers, "etag").is_some(), "{path} has no ETag");
        if route.paged {
            let page: serde_json::Value = serde_json::from_str(&body).unwrap();
            let page = page.get("page").unwrap_or(&page);
            assert!(page["total"].as_u64().is_some(), "{path}: {body}");
        }
        if route.named {
            let first = format!("{{{}}}", route.params[0].name);
            let missing = sample(&route.path.replace(&first, "Nowhere"));
            let (status, headers, body) = server.get(&missing, None);
            assert_eq!(status, 404, "{missing}: {body}");
            assert_eq!(
                header(&headers, "content-type"),
                Some("application/problem+json")
            );
            let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(problem["status"], 404);
            assert!(
                problem["detail"].as_str().unwrap().contains("Nowhere"),
                "{body}"
            );
        }
    }
    let (status, _, body) = server.get("/api/v1/nothing/here", None);
    assert_eq!(status, 404);
    assert!(body.contains("/openapi.json"), "{body}");
}

#[test]
fn a_dataset_shows_its_schema_owner_readers_and_lineage() {
    let server = Running::start(northwind_version("m1"));
    let customers = server.json("/api/v1/datastores/NW_Data/datasets/customers");
    assert_eq!(customers["team"], "NorthwindTeam");
    assert!(customers["dataset"]["schema"]["columns"]["customer_id"].is_object());
    let readers: Vec<&str> = customers["readers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["workspace"].as_str().unwrap())
        .collect();
    assert!(readers.contains(&"MaskCustomersWorkSpace"), "{customers}");
    let lineage = server.json("/api/v1/datastores/NW_Data/datasets/customers/lineage");
    insta::assert_json_snapshot!(lineage["edges"], @r#"
    [
      {
        "from": "dataset:Masked_NW_Data.customers",
        "to": "group:ProductAnalytics.Reporting"
      },
      {
        "from": "dataset:NW_Data.customers",
        "to": "transformer:MaskCustomersWorkSpace"
      },
      {
        "from": "transformer:MaskCustomersWorkSpace",
        "to": "dataset:Masked_NW_Data.customers"
      }
    ]
    "#);
    // Upstream of the masked copy: the transformer and what it reads.
    let masked = server.json("/api/v1/datastores/Masked_NW_Data/datasets/customers/lineage");
    let upstream: Vec<&str> = masked["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["side"] == "upstream")
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        upstream.contains(&"transformer:MaskCustomersWorkSpace"),
        "{masked}"
    );
    assert!(upstream.contains(&"dataset:NW_Data.customers"), "{masked}");
    let shallow =
        server.json("/api/v1/datastores/Masked_NW_Data/datasets/customers/lineage?depth=0");
    assert_eq!(shallow["nodes"].as_array().unwrap().len(), 2, "{shallow}");
}

/// Column lineage both ways: the masked copy's columns from the
/// customers' (the masked contact from none), the customers' columns into
/// the masked copy's.
#[test]
fn a_dataset_s_columns_show_what_makes_them_and_what_they_make() {
    let server = Running::start(northwind_version("m1"));
    let masked = server.json("/api/v1/datastores/Masked_NW_Data/datasets/customers/columns");
    assert_eq!(masked["producedBy"], "MaskCustomersWorkSpace");
    let from: Vec<(String, Value)> = masked["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["from"].clone()))
        .collect();
    assert_eq!(
        from[0].1,
        serde_json::json!([{"store": "NW_Data", "dataset": "customers", "column": "customer_id", "how": "copied"}])
    );
    assert_eq!(
        from.iter().find(|(n, _)| n == "contact_name").unwrap().1,
        Value::Null,
        "{masked}"
    );
    let customers = server.json("/api/v1/datastores/NW_Data/datasets/customers/columns");
    let city = customers["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "city")
        .unwrap();
    assert_eq!(city["feeds"][0]["store"], "Masked_NW_Data");
    assert_eq!(city["feeds"][0]["column"], "city");
    assert!(customers.get("producedBy").is_none());
}

/// Who a change reaches: the groups reading the dataset, then those
/// reading what a transformer derives from it, with their owners.
#[test]
fn a_dataset_s_impact_names_each_consumer_and_its_team_nearest_first() {
    let server = Running::start(northwind_version("m1"));
    let impact =
        server.json("/api/v1/datastores/NW_Data/datasets/customers/impact?column=contact_name");
    let consumers: Vec<(String, u64, Value)> = impact["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                format!(
                    "{}.{}",
                    c["workspace"].as_str().unwrap(),
                    c["group"].as_str().unwrap()
                ),
                c["distance"].as_u64().unwrap(),
                c["via"].clone(),
            )
        })
        .collect();
    assert_eq!(
        consumers,
        [
            ("MaskCustomersWorkSpace.Input".to_owned(), 0, Value::Null),
            (
                "ProductAnalytics.Reporting".to_owned(),
                1,
                serde_json::json!(["MaskCustomersWorkSpace"])
            ),
        ],
        "{impact}"
    );
    assert_eq!(impact["consumers"][0]["feedsTransformer"], true);
    assert_eq!(impact["column"]["primaryKey"], false);
    assert_eq!(
        impact["teams"],
        serde_json::json!([{"zone": "USA", "team": "NorthwindTeam", "groups": 2, "owner": true, "href": "/api/v1/zones/USA/teams/NorthwindTeam"}])
    );
    assert!(
        impact["summary"]
            .as_str()
            .unwrap()
            .starts_with("A change to column `contact_name` of `NW_Data.customers` reaches 2 dataset groups (1 reading it directly) of 1 team."),
        "{impact}"
    );
    // Not past the first transformer.
    let near = server.json("/api/v1/datastores/NW_Data/datasets/customers/impact?depth=0");
    assert_eq!(near["consumers"].as_array().unwrap().len(), 1, "{near}");
    let key =
        server.json("/api/v1/datastores/NW_Data/datasets/customers/impact?column=customer_id");
    assert_eq!(key["column"]["primaryKey"], true);
    assert!(
        key["summary"].as_str().unwrap().contains("key column"),
        "{key}"
    );
    let (status, _, body) = server.get(
        "/api/v1/datastores/NW_Data/datasets/customers/impact?column=contact_nam",
        None,
    );
    assert_eq!(status, 404);
    assert!(body.contains("did you mean `contact_name`?"), "{body}");
}

#[test]
fn lists_are_paged_and_bad_parameters_are_400_problems() {
    let server = Running::start(northwind_version("m1"));
    let first = server.json("/api/v1/datastores/NW_Data/datasets?limit=2");
    assert_eq!(first["total"], 3);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_str().unwrap();
    assert_eq!(next, "/api/v1/datastores/NW_Data/datasets?offset=2&limit=2");
    let second = server.json(next);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null());
    for bad in [
        "/api/v1/zones?limit=0",
        "/api/v1/zones?limit=1001",
        "/api/v1/zones?offset=-1",
        "/api/v1/zones?colour=blue",
        "/api/v1/search?q=x&kind=planet",
        "/api/v1/diagnostics?severity=fatal",
        "/api/v1/platforms/Local/graph?format=svg",
        "/api/v1/datastores/%FF",
        "/api/v1/datastores/NW_Data/datasets/%C3%28",
        "/api/v1/zones?limit=4294967296",
    ] {
        let (status, headers, body) = server.get(bad, None);
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(
            header(&headers, "content-type"),
            Some("application/problem+json"),
            "{bad}"
        );
    }
}

#[test]
fn the_router_s_own_refusals_are_problems_too() {
    let server = Running::start(northwind_version("m1"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(format!("{}/api/v1/zones", server.base))
        .send("")
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let headers = response.headers().clone();
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(headers.get("allow").unwrap(), "GET,HEAD");
    let body = response.body_mut().read_to_string().unwrap();
    assert!(body.contains("only reads"), "{body}");
    let long = "a".repeat(201);
    let (status, _, body) = server.get(&format!("/api/v1/search?q={long}"), None);
    assert_eq!(status, 400, "{body}");
    let (status, _, _) = server.get(&format!("/api/v1/search?q={}", "a+".repeat(100)), None);
    assert_eq!(status, 200);
}

#[test]
fn search_finds_names_first_then_documentation_across_pages() {
    let server = Running::start(northwind_version("m1"));
    let found = server.json("/api/v1/search?q=customers");
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "NW_Data.customers", "{found}");
    let only = server.json("/api/v1/search?q=CUSTOMERS&kind=dataset&limit=1");
    assert_eq!(only["items"][0]["kind"], "dataset");
    assert_eq!(
        only["next"].as_str(),
        (only["total"].as_u64().unwrap() > 1)
            .then_some("/api/v1/search?q=CUSTOMERS&kind=dataset&offset=1&limit=1")
    );
    let none = server.json("/api/v1/search?q=zebra%20crossing");
    assert_eq!(none["total"], 0);
}

#[test]
fn a_tag_answers_304_until_the_model_changes() {
    let server = Running::start(northwind_version("m1"));
    let (_, headers, _) = server.get("/api/v1/zones/USA", None);
    let tag = header(&headers, "etag").unwrap().to_owned();
    let (status, headers, body) = server.get("/api/v1/zones/USA", Some(&tag));
    assert_eq!((status, body.as_str()), (304, ""));
    assert_eq!(header(&headers, "etag"), Some(tag.as_str()));
    // Another resource, another tag; the same files in another process, the same.
    let (_, other, _) = server.get("/api/v1/zones", None);
    assert_ne!(header(&other, "etag"), Some(tag.as_str()));
    let twin = Running::start(northwind_version("m1"));
    let (_, same, _) = twin.get("/api/v1/zones/USA", None);
    assert_eq!(header(&same, "etag"), Some(tag.as_str()));
    server.service.reload(Ok(northwind_version("m2")));
    let (status, headers, _) = server.get("/api/v1/zones/USA", Some(&tag));
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag"), Some(tag.as_str()));
}

#[test]
fn graphs_come_in_every_export_format() {
    let server = Running::start(northwind_version("m1"));
    let p = encoded(&platform());
    let json = server.json(&format!("/api/v1/platforms/{p}/graph"));
    assert!(
        json["nodes"].as_array().is_some_and(|n| !n.is_empty()),
        "{json}"
    );
    let (status, headers, dot) =
        server.get(&format!("/api/v1/platforms/{p}/graph?format=dot"), None);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("text/vnd.graphviz"));
    assert!(dot.starts_with("digraph"), "{dot}");
    let (_, _, mermaid) = server.get(&format!("/api/v1/platforms/{p}/graph?format=mermaid"), None);
    assert!(
        mermaid.contains("flowchart") || mermaid.contains("graph"),
        "{mermaid}"
    );
}

#[test]
fn the_openapi_document_is_committed_served_and_lists_every_route() {
    let document = serde_json::to_string_pretty(&openapi()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == document,
        "schema/openapi.json is out of date; regenerate it with `cargo run -p datasurface-cli -- schema --openapi > schema/openapi.json`"
    );
    let server = Running::start(northwind_version("m1"));
    let from_server = server.json("/openapi.json");
    assert_eq!(from_server, openapi());
    assert_eq!(from_server["openapi"], "3.1.0");
    assert_eq!(
        from_server["paths"].as_object().unwrap().len(),
        ROUTES.len()
    );
}

/// A validator for the JSON answer of the route at `path` in `document`:
/// its schema, with the document's components beside it for `$ref`s.
fn answer_validator(document: &serde_json::Value, path: &str) -> Option<jsonschema::Validator> {
    let content = &document["paths"][path]["get"]["responses"]["200"]["content"];
    let schema = content.get("application/json")?.get("schema")?;
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": document["components"],
    });
    Some(jsonschema::validator_for(&root).expect("the answer's schema compiles"))
}

#[test]
fn every_answer_is_what_the_openapi_document_says_field_by_field() {
    let document = openapi();
    let server = Running::start(northwind_version("m1"));
    for route in ROUTES {
        let validator = answer_validator(&document, route.path)
            .unwrap_or_else(|| panic!("{} has no JSON schema", route.path));
        let ref_ = &document["paths"][route.path]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"];
        assert!(
            ref_.as_str()
                .is_some_and(|r| r.starts_with("#/components/schemas/")),
            "{}: the answer's schema is not a typed body: {ref_}",
            route.path
        );
        let path = sample(route.path);
        let answer = server.json(&path);
        let errors: Vec<String> = validator
            .iter_errors(&answer)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");

        // A field renamed in the answer (and not in the document) fails.
        let mut renamed = answer.clone();
        let object = renamed.as_object_mut().unwrap();
        let first = object.keys().next().unwrap().clone();
        let value = object.shift_remove(&first).unwrap();
        object.insert(format!("{first}Renamed"), value);
        assert!(
            !validator.is_valid(&renamed),
            "{path}: renaming `{first}` went unnoticed"
        );
    }
}

/// A pipeline another system runs, declared on a governance-only
/// (`external`) platform, is in the catalogue and its lineage like any other.
#[test]
fn a_governance_only_platform_shows_in_lineage_and_among_platforms() {
    let mut eco = datasurface_fixtures::northwind().build().unwrap();
    let declaration: datasurface_core::PlatformDeclaration = serde_json::from_value(
        serde_json::json!({"kind": "external", "version": "^0.1", "parameters": {"system": "Informatica"}}),
    )
    .unwrap();
    eco.platforms
        .insert("Vendor ETL".parse().unwrap(), declaration);
    let mut assigned = eco.assignments[0].platforms[0].clone();
    assigned.platform = "Vendor ETL".parse().unwrap();
    eco.assignments[0].platforms = vec![assigned];
    let server = Running::start(crate::ModelVersion {
        valid: datasurface_rules::validate::validate(eco).unwrap(),
        diagnostics: Vec::new(),
        content_hash: "m1".to_owned(),
        changes: Vec::new(),
        graphs: None,
    });
    let lineage = server.json("/api/v1/datastores/NW_Data/datasets/products/lineage");
    let group = lineage["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "group:ProductAnalytics.Reporting")
        .unwrap();
    assert_eq!(
        group["platforms"],
        serde_json::json!(["Vendor ETL (external)"])
    );
    let platform = server.json("/api/v1/platforms/Vendor%20ETL");
    assert_eq!(platform["declaration"]["kind"], "external");
    assert_eq!(platform["assignments"][0]["group"], "Reporting");
    assert!(platform["nodes"].as_u64().unwrap() > 0, "{platform}");
}
