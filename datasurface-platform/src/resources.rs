//! What a platform uses for itself, and the gate's check that no model
//! element reaches it (docs/security.md).
//!
//! A platform logs in with credentials of its own (the `airflow` merge
//! database's) and reads files its parameters map (the `sqlite` platform's
//! `sources`). It says which through [`DataPlatform::resources`]; then
//! [`check_resources`], part of every gate, refuses a team's element that
//! names one of its credentials (`platform-credential`), and a file claim
//! that overlaps a mapped file of another team's container
//! (`resource-not-granted`). A third-party platform gets both by declaring
//! its resources.
//!
//! [`DataPlatform::resources`]: crate::DataPlatform::resources

use datasurface_core::inventory::ResourceRef;
use datasurface_core::names::{ContainerName, CredentialName, PlatformName};
use datasurface_core::resources::{
    Credentials, FileClaim, FileSite, Owner, file_claims_in, file_refusal, overlapping,
};
use datasurface_core::{Ecosystem, PlatformDeclaration};
use datasurface_rules::validate::{Diagnostic, ModelIndex, Severity, ValidEcosystem};

/// The code of a model element that names a platform's own credential.
pub const PLATFORM_CREDENTIAL: &str = "platform-credential";

/// The resources a platform uses for itself, read from its declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformResources {
    /// The credentials it logs in with for itself: no model element may name them.
    pub credentials: Vec<PlatformCredential>,
    /// The files and folders under the model's directory its parameters map.
    pub files: Vec<PlatformFile>,
}

impl PlatformResources {
    /// No resources.
    pub fn new() -> Self {
        PlatformResources::default()
    }

    /// With a credential of its own, named by the parameter at `parameter`
    /// (its path below `parameters`; empty for a default).
    #[must_use]
    pub fn credential(mut self, name: CredentialName, parameter: &[&str]) -> Self {
        self.credentials.push(PlatformCredential {
            name,
            parameter: parameter.iter().map(|p| (*p).to_owned()).collect(),
        });
        self
    }

    /// With a file or folder that holds a container's data (or the
    /// platform's own, with no container), mapped by the parameter at `parameter`.
    #[must_use]
    pub fn file(
        mut self,
        path: impl Into<String>,
        container: Option<ContainerName>,
        parameter: &[&str],
    ) -> Self {
        self.files.push(PlatformFile {
            path: path.into(),
            container,
            parameter: parameter.iter().map(|p| (*p).to_owned()).collect(),
        });
        self
    }
}

/// A credential a platform uses for itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformCredential {
    /// Its name in the secret store.
    pub name: CredentialName,
    /// The parameter that names it, as a path below `parameters`.
    pub parameter: Vec<String>,
}

/// A file or folder a platform's parameters map.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformFile {
    /// Its path, relative to the model's root (or absolute).
    pub path: String,
    /// The container whose data it holds, if any.
    pub container: Option<ContainerName>,
    /// The parameter that maps it, as a path below `parameters`.
    pub parameter: Vec<String>,
}

/// Every file a model names: its teams' ([`file_claims_in`]), then those its
/// platforms map, each owned by the team of the container whose data it
/// holds (the ecosystem's when it holds none). Also says how many are the
/// teams'.
///
/// `found` is the model's resource inventory
/// ([`ValidEcosystem::inventory`], or `datasurface_core::inventory::inventory`).
pub fn file_claims_with<'a>(
    eco: &'a Ecosystem,
    found: &[ResourceRef],
    platforms: &'a [(&'a PlatformName, PlatformResources)],
) -> (Vec<FileClaim<'a>>, usize) {
    let index = ModelIndex::new(eco);
    let mut claims = file_claims_in(eco, found);
    let model_claims = claims.len();
    for (platform, resources) in platforms {
        for file in &resources.files {
            let placed = file.container.as_ref().and_then(|c| index.container(c));
            let (owner, grants) = match placed {
                Some(p) => (
                    Owner::Team {
                        zone: p.zone,
                        team: p.team,
                    },
                    p.item.grants.as_slice(),
                ),
                None => (Owner::Platform(platform), &[][..]),
            };
            claims.push(FileClaim {
                path: std::borrow::Cow::Borrowed(&file.path),
                owner,
                grants,
                site: FileSite::Platform {
                    platform,
                    parameter: &file.parameter,
                    container: placed.map(|p| p.name),
                },
            });
        }
    }
    (claims, model_claims)
}

/// Each declared platform's own resources, in every view of the model that
/// runs it: its declaration as written, then as each environment that lays
/// parameters over it runs it (a credential or a file an environment's
/// parameters name is the platform's as much as its declaration's are).
/// Platforms `resolve` gives no implementation for are left out.
pub fn platform_resources(
    eco: &Ecosystem,
    resolve: impl Fn(
        &PlatformName,
        &PlatformDeclaration,
    ) -> Option<std::sync::Arc<dyn crate::DataPlatform>>,
) -> Vec<(&PlatformName, PlatformResources)> {
    let mut found = Vec::new();
    let mut overlays = Vec::new();
    for (name, declaration) in &eco.platforms {
        let Some(platform) = resolve(name, declaration) else {
            continue;
        };
        let base = platform.resources(declaration);
        for env in eco.environments.values() {
            let Some(here) = env.platforms.get(name) else {
                continue;
            };
            if here.parameters.is_empty() {
                continue;
            }
            let mut resources = platform.resources(&declaration.in_environment(here));
            // Only what the environment adds: the rest is the declaration's.
            resources
                .credentials
                .retain(|c| !base.credentials.contains(c));
            resources.files.retain(|f| !base.files.contains(f));
            if !resources.credentials.is_empty() || !resources.files.is_empty() {
                overlays.push((name, resources));
            }
        }
        found.push((name, base));
    }
    found.append(&mut overlays);
    found
}

/// The gate's check of every platform's own resources against the model:
/// a team's element or a declaration that names a platform's credential,
/// and a team's file that overlaps one a platform maps for another team's
/// container (or a mapped file that overlaps another team's).
pub fn check_resources(
    valid: &ValidEcosystem,
    platforms: &[(&PlatformName, PlatformResources)],
) -> Vec<Diagnostic> {
    let eco = valid.ecosystem();
    let mut found = Vec::new();
    // Each pass reads the model only when some platform has something for it.
    if platforms.iter().any(|(_, r)| !r.credentials.is_empty()) {
        own_credentials(eco, valid.inventory(), platforms, &mut found);
    }
    if platforms.iter().any(|(_, r)| !r.files.is_empty()) {
        mapped_files(eco, valid.inventory(), platforms, &mut found);
    }
    found
}

/// A team's element or a declaration that names a platform's own credential.
fn own_credentials(
    eco: &Ecosystem,
    inventory: &[ResourceRef],
    platforms: &[(&PlatformName, PlatformResources)],
    found: &mut Vec<Diagnostic>,
) {
    let credentials = Credentials::of_inventory(eco, inventory);
    for (platform, resources) in platforms {
        for own in &resources.credentials {
            let help = format!(
                "platform `{platform}` logs in with `{}` for itself, and no team's job may; \
                 name a credential your team owns (declared under `credentials` in its document)",
                own.name
            );
            for used in credentials.uses.iter().filter(|u| u.name == own.name) {
                found.push(
                    Diagnostic::new(
                        PLATFORM_CREDENTIAL,
                        Severity::Error,
                        used.path(),
                        format!(
                            "{} names credential `{}`, which is platform `{platform}`'s own",
                            used.describe(),
                            own.name
                        ),
                    )
                    .with_help(help.clone()),
                );
            }
            for declared in credentials.declared.get(&own.name).into_iter().flatten() {
                found.push(
                    Diagnostic::new(
                        PLATFORM_CREDENTIAL,
                        Severity::Error,
                        declared.path(&own.name),
                        format!(
                            "{} declares credential `{}`, which is platform `{platform}`'s own",
                            declared.owner, own.name
                        ),
                    )
                    .with_help(help.clone()),
                );
            }
        }
    }
}

/// A team's file that overlaps one a platform maps for another team's container.
fn mapped_files(
    eco: &Ecosystem,
    inventory: &[ResourceRef],
    platforms: &[(&PlatformName, PlatformResources)],
    found: &mut Vec<Diagnostic>,
) {
    let (claims, model_claims) = file_claims_with(eco, inventory, platforms);
    for (i, j) in overlapping(&claims) {
        // Pairs of the model's own claims are validation's; pairs of two
        // mapped files are the ecosystem's own choice.
        if (i < model_claims) == (j < model_claims) {
            continue;
        }
        // A file a platform maps is the ecosystem's decision: only the
        // team's claim that meets it is refused.
        let (user, owner) = if i < model_claims {
            (&claims[i], &claims[j])
        } else {
            (&claims[j], &claims[i])
        };
        if let Some((path, message, help)) = file_refusal(eco, user, owner) {
            found.push(
                Diagnostic::new("resource-not-granted", Severity::Error, path, message)
                    .with_help(help),
            );
        }
    }
}
