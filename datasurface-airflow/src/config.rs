//! The platform's settings, read from its declaration's `parameters`.

use std::collections::BTreeMap;

use datasurface_core::PlatformDeclaration;
use datasurface_rules::validate::{Diagnostic, ModelPath, Severity};
use serde_json::Value;

use crate::names::ident;

/// Where each task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executor {
    /// A Kubernetes pod per task (`KubernetesPodOperator`).
    Kubernetes,
    /// A local process on the Airflow worker (`BashOperator`).
    Local,
}

/// Where the release workflow (`.github/workflows/release.yml`) publishes
/// the job runner's image: the project's GitHub repository on GitHub's
/// registry. One name everywhere: the default `image`, the docs and the
/// workflow (a test reads the workflow and checks it).
pub const IMAGE_REPOSITORY: &str = "ghcr.io/datasurface/datasurface-rs";

/// The job runner's image for datasurface `version` (`0.1.0`): tagged as
/// the release's `v*` tag, as the release workflow pushes it.
pub fn default_image(version: &str) -> String {
    format!("{IMAGE_REPOSITORY}:v{version}")
}

/// The platform's settings. Every parameter is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AirflowConfig {
    /// `executor`: `kubernetes` (default) or `local`.
    pub executor: Executor,
    /// `namespace`: the Kubernetes namespace of the job pods (default `datasurface`).
    pub namespace: String,
    /// `image`: the job runner's container image (default
    /// [`default_image`]: the image the release workflow publishes for this
    /// version).
    pub image: String,
    /// `schema`: the PostgreSQL schema of the merge tables (default: the platform's name, as an identifier).
    pub schema: String,
    /// `mergeHost`, `mergePort`, `mergeDatabase`: the PostgreSQL merge database
    /// (default `localhost`, 5432, `datasurface`).
    pub merge_host: String,
    /// See `merge_host`.
    pub merge_port: u16,
    /// See `merge_host`.
    pub merge_database: String,
    /// `mergeCredential`: the name of the credential for the merge database (default `merge_rw`).
    pub merge_credential: String,
    /// `maxChunkSize`: the most DAGs one factory file `dags/chunk_<n>.py`
    /// builds (default [`DEFAULT_MAX_CHUNK_SIZE`]; `docs/airflow.md` says how
    /// to size it).
    pub max_chunk_size: usize,
    /// `retries`: how often Airflow retries a failed task (default 2).
    pub retries: u32,
    /// `sources`: source containers read from files on the worker, by name:
    /// a SQLite database file for a SQL capture, a folder of CSV files for a
    /// file drop (default: none). Only files named here are read: which files
    /// on the workers jobs may read is the ecosystem owner's choice.
    pub sources: BTreeMap<String, String>,
    /// `plaintextSources`: source hosts the ecosystem's owners let the
    /// runner reach without TLS (docs/security.md, with the risk).
    pub plaintext_sources: Vec<String>,
    /// `primaries`: the merge databases of the primary ingestion platforms
    /// this one mirrors, by platform name, as files on the worker: a
    /// `sqlite` platform's `<state directory>/merge.sqlite`. A mirrored
    /// stream reads the primary's live rows there, never the source.
    pub primaries: BTreeMap<String, String>,
}

/// The most DAGs one chunk's factory file builds, unless `maxChunkSize`
/// says otherwise. Airflow 3.1 parses and serializes such a file in about
/// 2 s on one core, far inside its 30 s `dagbag_import_timeout`, and a
/// 2-process DAG processor goes through the generated 101,000-dataset
/// model's 10,607 DAGs in 23 such files in about 22 s (`docs/airflow.md`
/// says how to size it; `docs/performance.md` has the figures).
pub const DEFAULT_MAX_CHUNK_SIZE: usize = 500;

/// The parameters this platform reads.
pub const PARAMETERS: [&str; 13] = [
    "executor",
    "namespace",
    "image",
    "schema",
    "mergeHost",
    "mergePort",
    "mergeDatabase",
    "mergeCredential",
    "maxChunkSize",
    "retries",
    "sources",
    "plaintextSources",
    "primaries",
];

impl AirflowConfig {
    /// The settings of a declaration, and every problem with its parameters as
    /// `invalid-platform-parameter` errors. Bad values fall back to defaults.
    pub fn read(
        platform: &str,
        declaration: &PlatformDeclaration,
        version: &semver::Version,
    ) -> (Self, Vec<Diagnostic>) {
        let mut found = Vec::new();
        let path = ModelPath::root().keys(["platforms", platform, "parameters"]);
        for key in declaration.parameters.keys() {
            if !PARAMETERS.contains(&key.as_str()) {
                let nearest = PARAMETERS
                    .iter()
                    .map(|p| (strsim::jaro_winkler(p, key), *p))
                    .filter(|(score, _)| *score > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, p)| p);
                let help = match nearest {
                    Some(p) => format!(
                        "did you mean `{p}`? The `airflow` platform reads: {}",
                        PARAMETERS.join(", ")
                    ),
                    None => format!("the `airflow` platform reads: {}", PARAMETERS.join(", ")),
                };
                found.push(
                    Diagnostic::new(
                        "invalid-platform-parameter",
                        Severity::Error,
                        path.key(key),
                        format!("platform `{platform}` has no parameter `{key}`"),
                    )
                    .with_help(help),
                );
            }
        }
        let mut reader = Reader {
            declaration,
            path: &path,
            platform,
            found: &mut found,
        };
        let executor = match reader.text("executor", "kubernetes", |v| {
            matches!(v, "kubernetes" | "local")
        }) {
            e if e == "local" => Executor::Local,
            _ => Executor::Kubernetes,
        };
        let config = AirflowConfig {
            executor,
            namespace: reader.text("namespace", "datasurface", is_dns_label),
            image: reader.text("image", &default_image(&version.to_string()), |v| {
                !v.is_empty() && !v.contains(char::is_whitespace)
            }),
            schema: reader.text("schema", &ident(&[platform]), |v| ident(&[v]) == v),
            merge_host: reader.text("mergeHost", "localhost", |v| {
                !v.is_empty() && !v.contains(char::is_whitespace)
            }),
            merge_port: u16::try_from(reader.number("mergePort", 5432, 1, 65535)).unwrap_or(5432),
            merge_database: reader.text("mergeDatabase", "datasurface", |v| !v.is_empty()),
            merge_credential: reader.text("mergeCredential", "merge_rw", |v| {
                !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            }),
            max_chunk_size: usize::try_from(reader.number(
                "maxChunkSize",
                DEFAULT_MAX_CHUNK_SIZE as u64,
                1,
                100_000,
            ))
            .unwrap_or(DEFAULT_MAX_CHUNK_SIZE),
            retries: u32::try_from(reader.number("retries", 2, 0, 100)).unwrap_or(2),
            sources: reader.paths("sources"),
            plaintext_sources: reader.hosts("plaintextSources"),
            primaries: reader.paths("primaries"),
        };
        (config, found)
    }
}

fn is_dns_label(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !v.starts_with('-')
        && !v.ends_with('-')
}

struct Reader<'a> {
    declaration: &'a PlatformDeclaration,
    path: &'a ModelPath,
    platform: &'a str,
    found: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn bad(&mut self, key: &str, value: &Value, expected: &str) {
        self.found.push(
            Diagnostic::new(
                "invalid-platform-parameter",
                Severity::Error,
                self.path.key(key),
                format!(
                    "parameter `{key}` of platform `{}` is {value}, which is not {expected}",
                    self.platform
                ),
            )
            .with_help(format!(
                "give `{key}` {expected}, or leave it out for the default"
            )),
        );
    }

    fn text(&mut self, key: &str, default: &str, ok: impl Fn(&str) -> bool) -> String {
        match self.declaration.parameters.get(key) {
            None => default.to_owned(),
            Some(Value::String(s)) if ok(s) => s.clone(),
            Some(other) => {
                let expected = match key {
                    "executor" => "`kubernetes` or `local`",
                    "namespace" => "a Kubernetes namespace (lower-case letters, digits and `-`)",
                    "schema" => "a lower-case PostgreSQL identifier",
                    "mergeCredential" => "a credential name",
                    _ => "a non-empty string without spaces",
                };
                let other = other.clone();
                self.bad(key, &other, expected);
                default.to_owned()
            }
        }
    }

    fn hosts(&mut self, key: &str) -> Vec<String> {
        match self.declaration.parameters.get(key) {
            None => Vec::new(),
            Some(Value::Array(hosts))
                if hosts.iter().all(|h| {
                    h.as_str()
                        .is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace))
                }) =>
            {
                hosts
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .collect()
            }
            Some(other) => {
                let other = other.clone();
                self.bad(
                    key,
                    &other,
                    "a list of host names, such as `[legacy-db.example]`",
                );
                Vec::new()
            }
        }
    }

    fn paths(&mut self, key: &str) -> BTreeMap<String, String> {
        match self.declaration.parameters.get(key) {
            None => BTreeMap::new(),
            Some(Value::Object(map))
                if map
                    .values()
                    .all(|v| v.as_str().is_some_and(|p| !p.is_empty())) =>
            {
                map.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            }
            Some(other) => {
                let other = other.clone();
                self.bad(
                    key,
                    &other,
                    "a map of container names to paths on the worker",
                );
                BTreeMap::new()
            }
        }
    }

    fn number(&mut self, key: &str, default: u64, min: u64, max: u64) -> u64 {
        match self.declaration.parameters.get(key) {
            None => default,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| (min..=max).contains(&n)) => {
                n.as_u64().unwrap_or(default)
            }
            Some(other) => {
                let other = other.clone();
                self.bad(key, &other, &format!("a whole number from {min} to {max}"));
                default
            }
        }
    }
}
