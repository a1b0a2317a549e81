//! `generate`: large valid models for load tests, deterministic, never over other files.

use super::{datasurface, scratch};

#[test]
fn generate_writes_a_valid_model_deterministically_and_never_over_files() {
    let dir = scratch("generate");
    let args = |out: &str, format: &str| {
        datasurface(
            &[
                "generate",
                "--stores",
                "30",
                "--datasets-per-store",
                "4",
                "--columns",
                "6",
                "--seed",
                "7",
                "--format",
                format,
                "--out",
                out,
            ],
            &dir,
        )
    };
    let run = args("a", "yaml");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.starts_with("generated 30 stores × 4 datasets × 6 columns (123 datasets with transformer outputs), 9 workspaces, 3 transformers, 2 zones, seed 7"),
        "{}",
        run.stdout
    );
    let check = datasurface(&["check", "a"], &dir);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert!(
        check.stdout.contains(": 0 errors, "),
        "{}",
        check.transcript()
    );
    // The only warnings: neither platform knows where on its machine the
    // generated sources are (their `sources` parameters say): the `airflow`
    // platform's file-drop containers, and every source of the `sqlite`
    // platform, which ingests them itself rather than read another kind's
    // merge database.
    for line in check.stderr.lines().filter(|l| l.starts_with("warning")) {
        assert!(
            (line.starts_with("warning[airflow-unreadable-source]")
                && line.contains("file drop container"))
                || line.starts_with("warning[sqlite-source-not-local]: platform `Local`"),
            "{line}"
        );
    }
    // The same arguments give the same files; JSON holds the same model.
    assert_eq!(args("b", "yaml").code, 0);
    for file in [
        "ecosystem.yaml",
        "zones/zone-1/zone.yaml",
        "zones/zone-2/teams/producers-2.yaml",
    ] {
        assert_eq!(
            std::fs::read_to_string(dir.join("a").join(file)).unwrap(),
            std::fs::read_to_string(dir.join("b").join(file)).unwrap(),
            "{file}"
        );
    }
    assert_eq!(args("c", "json").code, 0);
    assert_eq!(datasurface(&["check", "c"], &dir).code, 0);
    // Never over anything: a directory with files in it is refused, untouched.
    let run = args("a", "yaml");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not an empty directory"),
        "{}",
        run.stderr
    );
    assert!(dir.join("a/ecosystem.yaml").exists());
}
