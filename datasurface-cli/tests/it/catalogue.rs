//! The catalogue page after a real run, in a headless browser: Northwind
//! brought `up` on the embedded `sqlite` platform, `serve --state` pointed
//! at its state, a dataset's page showing its freshness from that state,
//! then an edit that breaks the files raising the stale-model banner.
//! Screenshots go to `target/tmp/catalogue-after-up*.png`.

use fantoccini::Locator;

use super::metrics::northwind_run;
use super::serve::{Server, TEAM};
use super::webdriver::{Driver, browser, screenshot, session, wait_text};

#[test]
fn a_dataset_page_shows_freshness_after_up_and_a_broken_edit_shows_the_banner() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let dir = northwind_run("catalogue-after-up");
    let model = dir.join("model");
    let server = Server::start_with(
        &model,
        "1",
        &["--state", &dir.join("state").to_string_lossy()],
    );
    let source: u64 = rusqlite::Connection::open(model.join("data/northwind.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM products", [], |r| r.get(0))
        .unwrap();
    let driver = Driver::start(&chromedriver);
    let profile = dir.join("chromium");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = session(&chromium, &driver.url, &profile).await;
        let base = format!("http://{}", server.addr());
        client
            .goto(&format!("{base}/#/dataset/NW_Data/products"))
            .await
            .unwrap();
        let fresh = wait_text(&client, "#freshness", "Last committed").await;
        let rows = wait_text(&client, "#freshness", "Live rows").await;
        assert!(
            rows.contains(&source.to_string()),
            "{source} rows not in {rows}"
        );
        let state = dir.join("state").canonicalize().unwrap();
        for shown in [
            "Local",
            "ProductAnalytics.Reporting",
            "minutes (within 60 min)",
            "yes",
            "ProductAnalytics__Reporting__NW_Data__products",
            &state.to_string_lossy(),
        ] {
            assert!(fresh.contains(shown), "{shown} not in {fresh}");
        }
        assert!(!fresh.contains("no, stale"), "{fresh}");
        client
            .execute(
                "document.getElementById('freshness').scrollIntoView()",
                Vec::new(),
            )
            .await
            .unwrap();
        screenshot(&client, "catalogue-after-up").await;

        // A team's edit that no longer validates: the service keeps the
        // last good model, and the page says so.
        assert!(
            client.find(Locator::Css("#stale[hidden]")).await.is_ok(),
            "no banner while the files load"
        );
        let team = model.join(TEAM);
        let good = std::fs::read_to_string(&team).unwrap();
        std::fs::write(
            &team,
            good.replacen("dataset: customers", "dataset: no_such_dataset", 1),
        )
        .unwrap();
        server.reloaded(1);
        client.refresh().await.unwrap();
        let banner = wait_text(&client, "#stale", "last good model").await;
        assert!(banner.contains("error"), "{banner}");
        screenshot(&client, "catalogue-after-up-stale").await;
        client.close().await.unwrap();
    });
}
