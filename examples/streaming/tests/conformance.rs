//! The streaming platform passes the conformance kit, and its command line
//! is its own: its name, its codes, only the commands it has.

use datasurface_cli::{Datasurface, Outcome};
use datasurface_streaming::Streaming;

fn cli(args: &[&str]) -> (Outcome, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = Datasurface::without_platforms()
        .named("datasurface-streaming", "0.1.0", "streaming")
        .with_platform(Streaming)
        .run(args.iter().copied(), &mut out, &mut err);
    let text = String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err);
    (outcome, text)
}

#[test]
fn the_platform_conforms() {
    let report = datasurface_testkit::Conformance::new(&Streaming).run();
    println!("{report}");
    report.assert_passes();
}

/// Each code's example gives the report it documents, as `check` prints it.
#[test]
fn its_code_examples_give_their_findings() {
    let base = datasurface_testkit::example_base("streaming", "^0.1", "");
    let failures = datasurface_testkit::check_code_examples(std::sync::Arc::new(Streaming), &base);
    assert!(
        failures.is_empty(),
        "{}",
        failures.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn its_codes_are_explained_and_its_commands_are_its_own() {
    let (outcome, text) =
        cli(&["datasurface-streaming", "explain", "streaming-irregular-schedule"]);
    assert_eq!(outcome, Outcome::Success, "{text}");
    assert!(text.contains("poll.interval.ms"), "{text}");
    let (_, help) = cli(&["datasurface-streaming", "--help"]);
    assert!(help.contains("datasurface-streaming"), "{help}");
    for absent in ["serve", "job", "hook"] {
        assert!(!help.lines().any(|l| l.trim_start().starts_with(absent)), "{help}");
    }
}
