//! `datasurface contract export` and `contract import`: datasets as Open
//! Data Contract Standard (ODCS v3) documents, and back.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use datasurface_contract::{ContractFile, ExportOptions, ImportOptions, Note};
use datasurface_core::capture::{
    CaptureMetadata, CaptureMethod, Credential, CredentialType, Ingestion, IngestionConsistency,
    SqlSnapshot,
};
use datasurface_core::names::{ContainerName, CredentialName, DatastoreName, TeamName, ZoneName};
use datasurface_files::Format;
use datasurface_stdx::text;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{ContractExportArgs, ContractImportArgs};
use crate::problem::Problem;

/// The largest contract file read, in bytes: far above any real contract.
const MAX_CONTRACT_BYTES: u64 = 16 * 1024 * 1024;

fn fail(app: &App<'_>, err: &mut dyn Write, problem: &Problem) -> Outcome {
    let _ = writeln!(err, "{}: {problem}", app.paint(Paint::Error, "error"));
    Outcome::CouldNotRun
}

/// `contract export`.
pub(crate) fn export(
    app: &App<'_>,
    args: &ContractExportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let loaded = match crate::model::load_valid(app, &args.model, "export its contracts", out, err)
    {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let mut datastores = Vec::new();
    for name in &args.datastores {
        match DatastoreName::new(name) {
            Ok(n) => datastores.push(n),
            Err(e) => return fail(app, err, &Problem::new(format!("--datastore: {e}"))),
        }
    }
    let options = ExportOptions {
        datastores,
        per_dataset: args.per_dataset,
    };
    let exported = match datasurface_contract::export(loaded.valid.ecosystem(), &options) {
        Ok(exported) => exported,
        Err(e) => return fail(app, err, &Problem::new(e)),
    };
    let mut documents = Vec::new();
    for e in &exported {
        match e.to_yaml() {
            Ok(text) => documents.push((e.file_name.as_str(), text)),
            Err(e) => return fail(app, err, &Problem::new(e)),
        }
    }
    match &args.out {
        None => {
            let many = documents.len() > 1;
            for (i, (_, text)) in documents.iter().enumerate() {
                let separator = if many && i > 0 { "---\n" } else { "" };
                if write!(out, "{separator}{text}").is_err() {
                    return Outcome::CouldNotRun;
                }
            }
            Outcome::Success
        }
        Some(dir) => match write_all(dir, &documents) {
            Ok(()) => {
                let _ = writeln!(
                    err,
                    "wrote {} contract(s) to {}",
                    documents.len(),
                    dir.display()
                );
                Outcome::Success
            }
            Err(problem) => fail(app, err, &problem),
        },
    }
}

/// Writes each document into `dir`, refusing names that would collide on a
/// file system that ignores case, and anything there that is not a regular
/// file (a link could point the write elsewhere).
fn write_all(dir: &Path, documents: &[(&str, String)]) -> Result<(), Problem> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (name, _) in documents {
        if let Some(other) = seen.insert(name.to_lowercase(), name) {
            return Err(Problem::new(format!(
                "`{other}` and `{name}` differ only in case, and would be one file on many file systems"
            ))
            .help("export one of the datastores at a time with --datastore, into different directories"));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Problem::new(format!("cannot make {}: {e}", dir.display())))?;
    for (name, text) in documents {
        let path = dir.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && !meta.file_type().is_file()
        {
            return Err(Problem::new(format!(
                "{} exists and is not a regular file; it is left as it is",
                path.display()
            ))
            .help("remove it, or export into another directory"));
        }
        std::fs::write(&path, text)
            .map_err(|e| Problem::new(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Reads a contract the user named: a regular file of bounded size, which
/// a link may reach only inside the working folder (a repository's
/// `contracts/orders.yaml` that is a link to a key or a token elsewhere is
/// refused, not read).
fn read_contract(path: &Path) -> Result<ContractFile, Problem> {
    let shown = text::for_terminal(&path.display().to_string()).into_owned();
    let meta =
        std::fs::metadata(path).map_err(|e| Problem::new(format!("cannot read {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(Problem::new(format!("{shown} is not a regular file")));
    }
    if leads_out_through_a_link(path) {
        return Err(Problem::new(format!(
            "{shown} is a link that leads out of the working folder, and is not read"
        ))
        .help("copy the contract into the working folder, or run the command where it lies"));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CONTRACT_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| Problem::new(format!("cannot read {shown}: {e}")))?;
    if text.len() as u64 > MAX_CONTRACT_BYTES {
        return Err(Problem::new(format!(
            "{shown} is larger than {} MiB; no data contract is",
            MAX_CONTRACT_BYTES / 1024 / 1024
        )));
    }
    Ok(ContractFile { path: shown, text })
}

/// Whether reaching `path` follows a link to a place outside the working
/// folder: its real path is neither what it names nor inside the folder.
fn leads_out_through_a_link(path: &Path) -> bool {
    let (Ok(real), Ok(here)) = (
        std::fs::canonicalize(path),
        std::env::current_dir().and_then(std::fs::canonicalize),
    ) else {
        return true;
    };
    if real.starts_with(&here) {
        return false;
    }
    // Outside the folder: allowed only when named as it is, without links.
    let mut named = std::path::PathBuf::new();
    for part in here.join(path).components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                named.pop();
            }
            other => named.push(other),
        }
    }
    named != real
}

fn import_options(args: &ContractImportArgs) -> Result<ImportOptions, Problem> {
    let named = |flag: &str, e: &dyn std::fmt::Display| Problem::new(format!("{flag}: {e}"));
    let container = ContainerName::new(&args.container).map_err(|e| named("--container", &e))?;
    let credential = match &args.credential {
        Some(c) => Some(Credential {
            name: CredentialName::new(c).map_err(|e| named("--credential", &e))?,
            credential_type: CredentialType::UserPassword,
        }),
        None => None,
    };
    Ok(ImportOptions {
        capture: CaptureMetadata::Ingestion(Ingestion {
            container,
            consistency: IngestionConsistency::MultiDataset,
            trigger: None,
            credential,
            method: CaptureMethod::SqlSnapshot(SqlSnapshot::default()),
        }),
        datastore: args
            .datastore
            .as_deref()
            .map(DatastoreName::new)
            .transpose()
            .map_err(|e| named("--datastore", &e))?,
        zone: args
            .zone
            .as_deref()
            .map(ZoneName::new)
            .transpose()
            .map_err(|e| named("--zone", &e))?,
        team: args
            .team
            .as_deref()
            .map(TeamName::new)
            .transpose()
            .map_err(|e| named("--team", &e))?,
    })
}

/// Prints what was left out, one line per kind of field with where.
fn print_dropped(app: &App<'_>, dropped: &[Note], err: &mut dyn Write) {
    let mut by_field: BTreeMap<(String, &str, &str), Vec<&str>> = BTreeMap::new();
    for note in dropped {
        let field = note.at.rsplit('.').next().unwrap_or(&note.at).to_owned();
        by_field
            .entry((field, note.file.as_str(), note.message.as_str()))
            .or_default()
            .push(note.at.as_str());
    }
    for ((field, file, message), places) in &by_field {
        let shown: Vec<&str> = places.iter().take(3).copied().collect();
        let more = places.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        // The contract's keys and the user's file names, as the terminal
        // shows text from a model.
        let line = format!(
            "{file}: `{field}` left out at {}{more}: {message}",
            shown.join(", ")
        );
        let _ = writeln!(
            err,
            "{}: {}",
            app.paint(Paint::Note, "note"),
            text::for_terminal(&line)
        );
    }
}

/// `contract import`.
pub(crate) fn import(
    app: &App<'_>,
    args: &ContractImportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let options = match import_options(args) {
        Ok(options) => options,
        Err(problem) => return fail(app, err, &problem),
    };
    let mut files = Vec::new();
    for path in &args.contracts {
        match read_contract(path) {
            Ok(file) => files.push(file),
            Err(problem) => return fail(app, err, &problem),
        }
    }
    let imported = match datasurface_contract::import(&files, &options) {
        Ok(imported) => imported,
        Err(e) => {
            for note in &e.errors {
                let _ = writeln!(
                    err,
                    "{}: {}",
                    app.paint(Paint::Error, "error"),
                    text::for_terminal(&note.to_string())
                );
            }
            print_dropped(app, &e.dropped, err);
            let _ = writeln!(
                err,
                "{} problem(s): nothing was written; fix the contracts or give the flags named above",
                e.errors.len()
            );
            return Outcome::ModelErrors;
        }
    };
    print_dropped(app, &imported.dropped, err);
    let team = datasurface_core::Team {
        datastores: imported.datastores,
        ..datasurface_core::Team::default()
    };
    let text = match datasurface_files::team_to_string(
        imported.zone.as_str(),
        imported.team.as_str(),
        &team,
        Format::Yaml,
    ) {
        Ok(text) => text,
        Err(e) => return fail(app, err, &Problem::new(e)),
    };
    let header = format!(
        "# The datastores of {} contract(s), imported by `datasurface contract import`.\n# Move them into the team's document (zones/<zone>/teams/<team>.yaml), then\n# set how each is captured (method, trigger, credential) and run `datasurface check`.\n",
        files.len()
    );
    let text = header + &text;
    match &args.out {
        None => {
            if out.write_all(text.as_bytes()).is_err() {
                return Outcome::CouldNotRun;
            }
        }
        Some(path) => {
            let written = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .and_then(|mut f| f.write_all(text.as_bytes()));
            if let Err(e) = written {
                return fail(
                    app,
                    err,
                    &Problem::new(format!("cannot write {}: {e}", path.display()))
                        .help("--out writes a new file and never replaces one; name a file that does not exist"),
                );
            }
            let _ = writeln!(err, "wrote {}", path.display());
        }
    }
    Outcome::Success
}
