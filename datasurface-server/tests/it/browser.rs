//! The catalogue page in a real headless browser: Debian's Chromium driven
//! through chromedriver (`WebDriver`) by fantoccini. It searches for a
//! dataset, opens it, and sees its schema, readers and lineage; a
//! screenshot is saved beside the test's other output
//! (`target/tmp/catalogue.png`).
//!
//! `.ci/external` installs `chromium` and `chromium-driver`; without them
//! the test says so and passes, unless `DATASURFACE_REQUIRE_EXTERNAL=1`.

use datasurface_core::Documentation;
use datasurface_core::names::DatastoreName;
use datasurface_fixtures::northwind;
use datasurface_server::ModelVersion;
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::Running;
use crate::webdriver::{Driver, browser, screenshot, session, wait_text};

/// Northwind, one of whose descriptions is markup: the page must show it as text.
fn hostile_northwind() -> ModelVersion {
    let mut eco = northwind().build().unwrap();
    let store = DatastoreName::new("NW_Data").unwrap();
    for zone in eco.zones.values_mut() {
        for team in zone.teams.values_mut().map(std::sync::Arc::make_mut) {
            if let Some(d) = team.datastores.get_mut(&store) {
                d.documentation = Some(Box::new(Documentation::new(
                    "<img src=x onerror=\"document.body.dataset.pwned='yes'\">Products, suppliers and customers from the order system",
                )));
            }
        }
    }
    ModelVersion {
        valid: datasurface_rules::validate::validate(eco).unwrap(),
        diagnostics: Vec::new(),
        content_hash: "browser".to_owned(),
        changes: crate::northwind_changes(),
        graphs: None,
    }
}

#[test]
fn the_catalogue_finds_a_dataset_and_shows_its_readers_and_lineage() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let server = Running::start(hostile_northwind());
    let driver = Driver::start(&chromedriver);
    let profile = std::env::temp_dir().join(format!("datasurface-chromium-{}", std::process::id()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = session(&chromium, &driver.url, &profile).await;
        client.goto(&format!("{}/", server.base)).await.unwrap();
        wait_text(&client, "#ecosystem", "Northwind").await;

        // Search as a person types, and open the dataset from the results.
        let search = client.find(Locator::Id("search")).await.unwrap();
        search.send_keys("customers").await.unwrap();
        wait_text(&client, "#results", "NW_Data.customers").await;
        let count = wait_text(&client, "#result-count", "matches").await;
        let results = client.find_all(Locator::Css("#results li")).await.unwrap();
        assert!(count.starts_with(&results.len().to_string()), "{count}");
        client
            .find(Locator::LinkText("NW_Data.customers"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&client, "#dataset-name", "NW_Data.customers").await;
        let main = wait_text(&client, "main", "Owner").await;
        assert!(
            !main
                .lines()
                .any(|l| l.trim() == "null" || l.contains("undefined")),
            "{main}"
        );
        let schema = wait_text(&client, "#schema", "customer_id").await;
        assert!(schema.contains("NChar(5)"), "{schema}");
        let readers = wait_text(&client, "#readers", "MaskCustomersWorkSpace").await;
        assert!(readers.contains("Masked_NW_Data"), "{readers}");

        // The lineage: the dataset, the transformer that reads it, what it
        // writes and the group that reads that, each a node of the picture.
        let nodes = lineage_nodes(&client).await;
        for node in [
            "dataset:NW_Data.customers",
            "transformer:MaskCustomersWorkSpace",
            "dataset:Masked_NW_Data.customers",
            "group:ProductAnalytics.Reporting",
        ] {
            assert!(
                nodes.iter().any(|n| n == node),
                "{node} is not drawn: {nodes:?}"
            );
        }
        // Every label whole, in a box that holds it: nothing cut to "…".
        let cut = client
            .execute(
                "return [...document.querySelectorAll('#lineage g.node')].filter(g => { \
                   const [kind, name] = g.querySelectorAll('text'); \
                   const box = g.querySelector('rect').getBBox().width; \
                   return name.textContent.includes('…') || kind.textContent.includes('…') \
                     || name.getComputedTextLength() > box || kind.getComputedTextLength() > box; \
                 }).map(g => g.dataset.id)",
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(cut, json!([]), "labels cut or overflowing");
        let edges = client
            .execute(
                "return document.querySelectorAll('#lineage path.edge').length",
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(edges, json!(3));
        edges_run_left_to_right(&client).await;
        screenshot(&client, "catalogue").await;

        // Follow the lineage to the masked dataset, by its node.
        client
            .find(Locator::Css(
                "#lineage a[href='#/dataset/Masked_NW_Data/customers']",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&client, "#dataset-name", "Masked_NW_Data.customers").await;
        wait_text(&client, "#readers", "ProductAnalytics").await;
        column_lineage_links(&client).await;

        markup_shows_as_text(&client, &server.base).await;

        // An address that climbs out of the API is refused, not fetched.
        client
            .goto(&format!("{}/#/view/..%2F..%2Fopenapi.json", server.base))
            .await
            .unwrap();
        wait_text(&client, "main .error", "not a path of the API").await;

        // An unknown dataset is an error on the page, not a blank one.
        client
            .goto(&format!("{}/#/dataset/NW_Data/nope", server.base))
            .await
            .unwrap();
        wait_text(&client, "main .error", "nope").await;

        client.close().await.unwrap();
    });
    let _ = std::fs::remove_dir_all(&profile);
}

/// On the masked customers' page, each column says where it comes from,
/// by a link; the source's page says which transformers' columns each of
/// its columns makes.
async fn column_lineage_links(client: &Client) {
    let schema = wait_text(client, "#schema", "NW_Data.customers.customer_id copied").await;
    assert!(schema.contains("a constant"), "{schema}");
    client
        .find(Locator::LinkText("NW_Data.customers.city"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(client, "#readers", "MaskCustomersWorkSpace").await;
    let schema = wait_text(client, "#schema", "Masked_NW_Data.customers.city copied").await;
    let contact = schema
        .lines()
        .find(|l| l.starts_with("contact_name"))
        .unwrap_or_else(|| panic!("no row contact_name in {schema}"));
    assert!(!contact.contains("Masked_NW_Data"), "{schema}");
    client.back().await.unwrap();
    wait_text(client, "#dataset-name", "Masked_NW_Data.customers").await;
}

/// Every lineage edge points the way data flows, left to right, with an
/// arrowhead.
async fn edges_run_left_to_right(client: &Client) {
    let backwards = client
        .execute(
            "return [...document.querySelectorAll('#lineage path.edge')].filter(p => { \
               const n = p.getAttribute('d').match(/-?[0-9.]+/g).map(Number); \
               return !(n[0] < n[n.length - 2]) || p.getAttribute('marker-end') !== 'url(#arrow)'; }).length",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(backwards, json!(0));
    assert_eq!(
        client
            .execute(
                "return document.querySelectorAll('#lineage marker#arrow path').length",
                Vec::new()
            )
            .await
            .unwrap(),
        json!(1)
    );
}

/// The home page's recent changes, newest first, each commit's text shown
/// as text; the lists say when each item last changed.
async fn newest_changes_first(client: &Client) {
    let changes = wait_text(client, "#changes", "NorthwindTeam (USA)").await;
    let order: Vec<usize> = ["NorthwindTeam (USA)", "zone USA", "the ecosystem"]
        .iter()
        .map(|t| {
            changes
                .find(t)
                .unwrap_or_else(|| panic!("{t} not in {changes}"))
        })
        .collect();
    assert!(order.is_sorted(), "not newest first: {changes}");
    for shown in [
        "zones/usa/teams/northwindteam.yaml",
        "Add <script>alert(1)</script> products' discontinued flag",
        "by <b>Northwind</b> team · 222222222222",
        "edited, not committed",
        "Start the Northwind ecosystem",
    ] {
        assert!(changes.contains(shown), "{shown} not in {changes}");
    }
    assert_eq!(
        client
            .execute(
                "return document.querySelectorAll('main script, main b').length",
                Vec::new()
            )
            .await
            .unwrap(),
        json!(0)
    );
    let teams = wait_text(client, "#list-teams", "NorthwindTeam").await;
    assert!(teams.contains(" ago"), "{teams}");
}

/// With the platforms' state, a dataset's page says how fresh it is,
/// against what each consumer asks, and where to query it.
async fn shows_freshness(client: &Client, server: &Running) {
    server
        .service
        .add_run_state(std::sync::Arc::new(|store, dataset| {
            Ok(vec![datasurface_server::DatasetRun {
                platform: "Local".to_owned(),
                stream: store.to_string(),
                last_committed: Some("2020-01-01T00:00:00Z".to_owned()),
                live_rows: Some(91),
                failed_batches: 1,
                unfinished_batches: 0,
                waiting: true,
                places: vec![(
                    "ProductAnalytics.Reporting".to_owned(),
                    "/state/containers/Test_Azure_SQL.sqlite".to_owned(),
                    format!("ProductAnalytics__Reporting__{store}__{dataset}"),
                )],
            }])
        }));
    client
        .goto(&format!("{}/#/dataset/NW_Data/products", server.base))
        .await
        .unwrap();
    let fresh = wait_text(client, "#freshness", "Last committed").await;
    for shown in [
        "2020-01-01T00:00:00Z",
        "91",
        "ProductAnalytics.Reporting",
        "minutes (within 60 min)",
        "no, stale",
        "/state/containers/Test_Azure_SQL.sqlite",
        "ProductAnalytics__Reporting__NW_Data__products",
    ] {
        assert!(fresh.contains(shown), "{shown} not in {fresh}");
    }
    client
        .execute(
            "document.getElementById('freshness').scrollIntoView()",
            Vec::new(),
        )
        .await
        .unwrap();
    screenshot(client, "catalogue-freshness").await;
}

/// What a page shows that no person should read: raw JSON, `undefined`,
/// `[object Object]`, `null`; empty when it shows none.
async fn raw(client: &Client) -> String {
    let main = client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pre = client
        .execute(
            "return document.querySelectorAll('main pre').length",
            Vec::new(),
        )
        .await
        .unwrap();
    let mut found = Vec::new();
    if pre != json!(0) {
        found.push("a <pre> block".to_owned());
    }
    for bad in ["undefined", "[object Object]", "{\"", "\":"] {
        if main.contains(bad) {
            found.push(format!("`{bad}`"));
        }
    }
    if main.lines().any(|l| l.trim() == "null") {
        found.push("`null`".to_owned());
    }
    if found.is_empty() {
        String::new()
    } else {
        format!("{} in:\n{main}", found.join(", "))
    }
}

#[test]
fn the_catalogue_lists_the_model_has_a_page_for_every_kind_and_says_when_it_is_stale() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let server = Running::start(hostile_northwind());
    let driver = Driver::start(&chromedriver);
    let profile =
        std::env::temp_dir().join(format!("datasurface-chromium-kinds-{}", std::process::id()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = session(&chromium, &driver.url, &profile).await;
        client.goto(&format!("{}/", server.base)).await.unwrap();
        // The home page lists what there is, each a link.
        for (list, name) in [
            ("#list-zones", "USA"),
            ("#list-teams", "NorthwindTeam"),
            ("#list-datastores", "Masked_NW_Data"),
            ("#list-workspaces", "ProductAnalytics"),
        ] {
            wait_text(&client, list, name).await;
        }
        // A captured datastore is produced by its capture, not by "none".
        let stores = wait_text(&client, "#list-datastores", "its capture").await;
        assert!(
            stores.contains("transformer of MaskCustomersWorkSpace"),
            "{stores}"
        );
        assert!(!stores.contains("none"), "{stores}");
        let counts = wait_text(&client, "#counts", "datastores").await;
        assert!(counts.contains("workspaces"), "{counts}");
        newest_changes_first(&client).await;
        assert_eq!(raw(&client).await, "");
        screenshot(&client, "catalogue-home").await;

        // Every kind of resource has a page of its own, no JSON on it.
        client
            .find(Locator::LinkText("ProductAnalytics"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        workspace_page_reads_as_one(&client).await;
        assert_eq!(raw(&client).await, "");
        screenshot(&client, "catalogue-workspace").await;
        for (path, shows, shot) in [
            ("#/view/zones%2FUSA", "NorthwindTeam", "catalogue-zone"),
            (
                "#/view/zones%2FUSA%2Fteams%2FNorthwindTeam",
                "Test Azure SQL",
                "catalogue-team",
            ),
            ("#/view/platforms%2FLocal", "sqlite", "catalogue-platform"),
            (
                "#/view/transformers",
                "MaskCustomersWorkSpace",
                "catalogue-transformers",
            ),
            ("#/view/teams", "NorthwindTeam", "catalogue-teams"),
            ("#/datastore/NW_Data", "customers", "catalogue-datastore"),
        ] {
            client
                .goto(&format!("{}/{path}", server.base))
                .await
                .unwrap();
            wait_text(&client, "main", shows).await;
            assert_eq!(raw(&client).await, "", "{path}");
            screenshot(&client, shot).await;
        }

        let capture = wait_text(&client, "#capture", "").await;
        assert!(!capture.trim().is_empty() && capture != "none", "{capture}");

        shows_freshness(&client, &server).await;

        // Files newer than the model served: the page says so.
        assert!(
            client.find(Locator::Css("#stale[hidden]")).await.is_ok(),
            "no banner while the files load"
        );
        server.service.files_changed();
        client.refresh().await.unwrap();
        let newer = wait_text(&client, "#stale", "changed after this model was loaded").await;
        assert!(newer.contains("SIGHUP"), "{newer}");
        screenshot(&client, "catalogue-files-newer").await;
        // A reload the files fail: the page says the model served is stale.
        server.service.reload(Err(datasurface_server::Rejected {
            summary: "the model has 1 error".to_owned(),
            diagnostics: Vec::new(),
        }));
        client.goto(&format!("{}/#/", server.base)).await.unwrap();
        client.refresh().await.unwrap();
        let banner = wait_text(&client, "#stale", "last good model").await;
        assert!(banner.contains("the model has 1 error"), "{banner}");
        screenshot(&client, "catalogue-stale").await;
        client.close().await.unwrap();
    });
    let _ = std::fs::remove_dir_all(&profile);
}

/// A workspace's page reads as one: its owner, each group's platforms,
/// needs and the datasets it reads, as links.
async fn workspace_page_reads_as_one(client: &Client) {
    wait_text(client, "#resource-name", "ProductAnalytics").await;
    let page = wait_text(client, "main", "Reporting").await;
    for shown in [
        "team NorthwindTeam in zone USA",
        "Delivered by",
        "Masked_NW_Data.customers",
        "NW_Data.products",
        "Milestoning",
        "not production",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
    assert!(
        client
            .find(Locator::LinkText("Masked_NW_Data.customers"))
            .await
            .is_ok(),
        "{page}"
    );
}

/// The ids of the lineage picture's nodes.
async fn lineage_nodes(client: &Client) -> Vec<String> {
    client
        .execute(
            "return [...document.querySelectorAll('#lineage g.node')].map(n => n.dataset.id)",
            Vec::new(),
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A description that is markup is shown as text and runs nothing.
async fn markup_shows_as_text(client: &Client, base: &str) {
    client
        .goto(&format!("{base}/#/search/order%20system"))
        .await
        .unwrap();
    let results = wait_text(client, "#results", "NW_Data").await;
    assert!(results.contains("<img src=x"), "{results}");
    let injected = client
        .execute(
            "return [document.querySelectorAll('main img').length, document.body.dataset.pwned || null]",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(injected, json!([0, null]));
}
