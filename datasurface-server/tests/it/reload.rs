//! Reloads: a valid model is swapped in whole, an invalid one is refused
//! and the last good one kept, with the refusal's findings visible.

use datasurface_model::validate::{Diagnostic, ModelPath, Severity};
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
