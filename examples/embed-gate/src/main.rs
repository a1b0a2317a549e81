//! `datasurface-embed-gate check <MODEL>` and `… verify <BASE> <PROPOSED> <REPOSITORY>`:
//! the findings `datasurface check` and `datasurface verify` print with
//! `--format json`, from the library, with the same platforms and hook runner.
//! Exits as `datasurface` does, by the gate's verdict: 0 when the model
//! passes (or the change may merge), 1 when refused, 2 when a model could not
//! be loaded or the command line is wrong.

use std::process::ExitCode;
use std::sync::Arc;

use datasurface_gate::platform::PlatformRegistry;
use datasurface_gate::{Gate, ModelDir, ModelSource, to_json};

/// The gate with the platforms and hook runner `datasurface` has.
fn gate() -> Gate {
    let mut registry = PlatformRegistry::new();
    // Built into the platform crate: pipelines another system runs.
    registry.register(Arc::new(datasurface_gate::External));
    registry.register(Arc::new(datasurface_airflow::Airflow::new()));
    registry.register(Arc::new(datasurface_sqlite::SqlitePlatform));
    registry.register(Arc::new(datasurface_spark::Spark::new()));
    Gate::new(registry).with_hooks(Arc::new(datasurface_hooks::WasmLoader))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let verdict = match args[..] {
        ["check", model] => {
            let checked = gate().check(&ModelDir::new(model));
            print!("{}", to_json(&checked.findings()));
            checked.verdict(false)
        }
        ["verify", base, proposed, repository] => {
            let Ok(repository) = repository.parse() else {
                eprintln!(
                    "datasurface-embed-gate: `{repository}` is not a repository (owner/name@branch)"
                );
                return ExitCode::from(2);
            };
            let base = ModelDir::new(base);
            let verified = gate().verify(
                Some(&base as &dyn ModelSource),
                &ModelDir::new(proposed),
                &repository,
            );
            print!("{}", verified.output(false).to_json());
            verified.verdict(false)
        }
        _ => {
            eprintln!(
                "usage: datasurface-embed-gate check <MODEL> | verify <BASE> <PROPOSED> <REPOSITORY>"
            );
            return ExitCode::from(2);
        }
    };
    ExitCode::from(verdict.exit_code())
}
