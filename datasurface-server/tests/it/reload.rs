//! Reloads: a valid model is swapped in whole, an invalid one is refused
//! and the last good one kept, with the refusal's findings visible.

use datasurface_rules::validate::{Diagnostic, ModelPath, Severity};
use datasurface_server::Rejected;

use crate::{Running, northwind_version};

#[test]
fn a_reload_that_fails_validation_keeps_the_last_good_model_and_shows_why() {
    let server = Running::start(northwind_version("m1"));
    let before = server.json("/api/v1/ecosystem");
    let refused = Rejected {
        summary: "the model has 1 errors".to_owned(),
        diagnostics: vec![Diagnostic::new(
            "unknown-datastore",
            Severity::Error,
            ModelPath::root().keys(["zones", "USA"]),
            "no datastore `Gone`".to_owned(),
        )],
    };
    let status = server.service.reload(Err(refused));
    assert!(!status.ok);
    assert_eq!(status.attempts, 1);
    assert_eq!(server.json("/api/v1/ecosystem"), before);
    let diagnostics = server.json("/api/v1/diagnostics");
    assert_eq!(diagnostics["reload"]["ok"], false);
    assert_eq!(diagnostics["reload"]["serving"], "m1");
    assert_eq!(
        diagnostics["reload"]["diagnostics"][0]["code"],
        "unknown-datastore"
    );
    assert!(
        diagnostics["reload"]["summary"]
            .as_str()
            .unwrap()
            .contains("still serving the last good model")
    );
    let good = server.service.reload(Ok(northwind_version("m2")));
    assert!(good.ok, "{good:?}");
    assert_eq!(server.json("/api/v1/ecosystem")["contentHash"], "m2");
    assert_eq!(server.json("/api/v1/diagnostics")["reload"]["ok"], true);
}

#[test]
fn requests_during_reloads_see_one_whole_model_or_the_other() {
    let server = Running::start(northwind_version("m1"));
    let base = server.base.clone();
    let reader = std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let body = agent
                .get(format!("{base}/api/v1/ecosystem"))
                .call()
                .unwrap()
                .body_mut()
                .read_to_string()
                .unwrap();
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            // Every answer is whole: the counts of one model, never a mix.
            assert_eq!(v["counts"]["datastores"], 2, "{v}");
            seen.insert(v["contentHash"].as_str().unwrap().to_owned());
        }
        seen
    });
    for n in 0..50 {
        server
            .service
            .reload(Ok(northwind_version(&format!("m{}", n % 3))));
    }
    let seen = reader.join().unwrap();
    assert!(!seen.is_empty());
}

#[test]
fn findings_are_placed_in_their_files_after_the_model_is_served() {
    let warning = || {
        Diagnostic::new(
            "deprecated-dataset",
            Severity::Warning,
            ModelPath::root().keys(["zones", "USA"]),
            "a warning".to_owned(),
        )
    };
    let mut version = northwind_version("m1");
    version.diagnostics = vec![warning()];
    let server = Running::start(version);
    let (_, headers, body) = server.get("/api/v1/diagnostics", None);
    let before: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(before["located"], false);
    assert!(before["page"]["items"][0]["location"].is_null());
    let tag = crate::header(&headers, "etag").unwrap().to_owned();
    let mut placed = warning();
    placed.location = Some(datasurface_rules::validate::SourceLocation {
        file: "zones/usa/zone.yaml".to_owned(),
        line: 3,
        column: 1,
    });
    // Findings of another model, or other findings, are not taken.
    assert!(!server.service.located("m2", vec![placed.clone()]));
    assert!(!server.service.located("m1", Vec::new()));
    assert!(server.service.located("m1", vec![placed]));
    let (status, _, body) = server.get("/api/v1/diagnostics", Some(&tag));
    assert_eq!(status, 200, "a located answer is a new answer");
    let after: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(after["located"], true);
    assert_eq!(after["page"]["items"][0]["location"]["line"], 3);
}

#[test]
fn metrics_count_reloads_by_outcome_and_say_when_the_files_fail() {
    let server = Running::start(northwind_version("m1"));
    let metrics = |server: &Running| {
        let (status, headers, body) = server.get("/metrics", None);
        assert_eq!(status, 200);
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.starts_with("text/plain; version=0.0.4")),
            "{headers:?}"
        );
        body
    };
    assert!(metrics(&server).contains("datasurface_model_files_valid 1\n"));
    server.service.reload(Err(Rejected {
        summary: "the model has 1 errors".to_owned(),
        diagnostics: Vec::new(),
    }));
    let after = metrics(&server);
    assert!(
        after.contains("datasurface_model_files_valid 0\n"),
        "{after}"
    );
    assert!(after.contains("datasurface_model_reloads_total{outcome=\"rejected\"} 1\n"));
    server.service.reload(Ok(northwind_version("m1")));
    server.service.reload(Ok(northwind_version("m2")));
    let last = metrics(&server);
    assert!(last.contains("datasurface_model_files_valid 1\n"), "{last}");
    assert!(last.contains("datasurface_model_reloads_total{outcome=\"unchanged\"} 1\n"));
    assert!(last.contains("datasurface_model_reloads_total{outcome=\"served\"} 1\n"));
    // A path no route has is counted as `unmatched`, whatever it is, so a
    // client cannot add label values.
    for path in ["/a", "/b/c", "/%22%5C%0A"] {
        assert_eq!(server.get(path, None).0, 404);
    }
    let counted = metrics(&server);
    assert!(
        counted.contains(
            "datasurface_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 3\n"
        ),
        "{counted}"
    );
    assert!(!counted.contains("route=\"/a\""));
}
