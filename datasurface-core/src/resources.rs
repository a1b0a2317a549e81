//! The runtime resources a model names, who owns each, and who uses each.
//!
//! A model names things that live outside it: data containers, credentials
//! in a secret store and files under the model's directory. This module
//! reads every *use* of such a name by a team's element and every *claim*
//! of ownership (a declaration or a definition) from the model's resource
//! inventory ([`crate::inventory`], one walk derived from the types), so a
//! field added later that names a credential, a file or a drop file is
//! judged as soon as its type says what it names: a field this module has
//! no words for is described by its place in the model and owned by the
//! region it lies in. It interprets the inventory,
//! so that the gate can refuse a use the owner did not grant
//! (`resource-not-granted`, `duplicate-credential`) and a platform can add
//! its own (`datasurface_platform::check_platforms`). The rules are in
//! `docs/security.md`; nothing here reads a file.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use crate::OrderedMap;
use crate::diagnostic::ModelPath;
use crate::grant::{CredentialDeclaration, Grantee, granted};
use crate::inventory::{ResourceKind, ResourceRef, inventory};
use crate::names::{
    ContainerName, CredentialName, DatasetName, DatastoreName, EnvironmentName, PlatformName,
    TeamName, WorkspaceName, ZoneName,
};
use crate::regions::{Region, owner_or_parent};
use crate::zone::Team;
use crate::{Ecosystem, Repository};

/// Who owns a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    /// The ecosystem's repository.
    Ecosystem,
    /// A zone's repository.
    Zone(&'a ZoneName),
    /// A team's repository.
    Team {
        /// The team's zone.
        zone: &'a ZoneName,
        /// The team.
        team: &'a TeamName,
    },
    /// A data platform, for itself.
    Platform(&'a PlatformName),
}

impl Owner<'_> {
    /// Whether the owner is team `team`.
    pub fn is_team(&self, team: &TeamName) -> bool {
        matches!(self, Owner::Team { team: t, .. } if *t == team)
    }

    /// The repository that writes the owner's region: where a grant is made.
    pub fn repository<'e>(&self, eco: &'e Ecosystem) -> &'e Repository {
        let region = match self {
            Owner::Ecosystem | Owner::Platform(_) => Region::Ecosystem,
            Owner::Zone(zone) => Region::Zone((*zone).clone()),
            Owner::Team { zone, team } => Region::Team((*zone).clone(), (*team).clone()),
        };
        owner_or_parent(eco, &region)
    }

    /// The path of the region the owner writes, where a grant goes.
    pub fn region_path(&self) -> ModelPath {
        match self {
            Owner::Ecosystem | Owner::Platform(_) => ModelPath::root(),
            Owner::Zone(zone) => ModelPath::zone(zone.as_str()),
            Owner::Team { zone, team } => ModelPath::team(zone.as_str(), team.as_str()),
        }
    }
}

impl fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Ecosystem => f.write_str("the ecosystem"),
            Owner::Zone(zone) => write!(f, "zone `{zone}`"),
            Owner::Team { zone, team } => write!(f, "team `{team}` of zone `{zone}`"),
            Owner::Platform(platform) => write!(f, "platform `{platform}`"),
        }
    }
}

/// Where a team's element names a credential.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CredentialSite<'a> {
    /// A datastore's capture: `capture.ingestion.credential`.
    Capture(&'a DatastoreName),
    /// A Kafka container's `caCertificate`.
    KafkaCa(&'a ContainerName),
    /// The repository of a workspace's Python transformer.
    TransformerRepository(&'a WorkspaceName),
    /// Any other field whose type says it names a credential: its place.
    Field(ModelPath),
}

/// A team's element naming a credential.
#[derive(Debug, Clone)]
pub struct CredentialUse<'a> {
    /// The credential.
    pub name: CredentialName,
    /// The using team's zone.
    pub zone: &'a ZoneName,
    /// The using team.
    pub team: &'a TeamName,
    /// Where it names it.
    pub site: CredentialSite<'a>,
}

impl CredentialUse<'_> {
    /// The model path of the name, built only for a finding.
    pub fn path(&self) -> ModelPath {
        let team = ModelPath::team(self.zone.as_str(), self.team.as_str());
        match &self.site {
            CredentialSite::Capture(store) => team.keys([
                "datastores",
                store.as_str(),
                "capture",
                "ingestion",
                "credential",
                "name",
            ]),
            CredentialSite::KafkaCa(container) => team.keys([
                "containers",
                container.as_str(),
                "kind",
                "kafka",
                "caCertificate",
            ]),
            CredentialSite::TransformerRepository(workspace) => team.keys([
                "workspaces",
                workspace.as_str(),
                "transformer",
                "code",
                "pythonRepo",
                "repository",
                "credential",
            ]),
            CredentialSite::Field(path) => path.clone(),
        }
    }

    /// What names it, for messages: "the capture of datastore `X`".
    pub fn describe(&self) -> String {
        match &self.site {
            CredentialSite::Capture(store) => format!("the capture of datastore `{store}`"),
            CredentialSite::KafkaCa(container) => format!("Kafka container `{container}`"),
            CredentialSite::TransformerRepository(workspace) => {
                format!("the transformer of workspace `{workspace}`")
            }
            CredentialSite::Field(path) => format!("`{path}`"),
        }
    }
}

/// A credential's declaration, with its owner.
#[derive(Debug, Clone, Copy)]
pub struct DeclaredCredential<'a> {
    /// Who declared it.
    pub owner: Owner<'a>,
    /// The declaration.
    pub declaration: &'a CredentialDeclaration,
}

impl DeclaredCredential<'_> {
    /// The model path of the declaration.
    pub fn path(&self, name: &CredentialName) -> ModelPath {
        self.owner
            .region_path()
            .keys(["credentials", name.as_str()])
    }
}

/// Every credential's declarations and uses in a model, by name, in model
/// order.
#[derive(Debug, Default)]
pub struct Credentials<'a> {
    /// The declarations of each name (more than one is a duplicate).
    pub declared: OrderedMap<&'a CredentialName, Vec<DeclaredCredential<'a>>>,
    /// Every team element that names a credential.
    pub uses: Vec<CredentialUse<'a>>,
    /// The distinct teams that name each credential, in model order.
    users: OrderedMap<CredentialName, Vec<(&'a ZoneName, &'a TeamName)>>,
}

/// Whether a use of a credential is allowed, and if not, why.
#[derive(Debug, Clone, Copy)]
pub enum CredentialVerdict<'a> {
    /// The team owns it, or its owner granted it.
    Allowed,
    /// Its owner is another and did not grant it.
    NotGranted(Owner<'a>),
    /// Nobody declares it and more than one team uses it, or more than one declares it.
    NoSingleOwner,
}

impl<'a> Credentials<'a> {
    /// Reads every credential declaration and every use by a team's element
    /// from the model's inventory.
    pub fn of(eco: &'a Ecosystem) -> Self {
        Credentials::of_inventory(eco, &inventory(eco))
    }

    /// [`of`](Self::of), reading `found`, the inventory of `eco`.
    pub fn of_inventory(eco: &'a Ecosystem, found: &[ResourceRef]) -> Self {
        let mut credentials = Credentials::default();
        for r in found.iter().filter(|r| r.kind == ResourceKind::Credential) {
            let keys = r.path.shape();
            if r.key {
                if let Some((owner, declared)) = declared_at(eco, &keys) {
                    credentials
                        .declared
                        .entry(declared.0)
                        .or_default()
                        .push(DeclaredCredential {
                            owner,
                            declaration: declared.1,
                        });
                }
                continue;
            }
            // Only a team's element uses a credential: the ecosystem's and
            // the zones' own documents are written by those who grant.
            let Some((zone, team, t, below)) = team_at(eco, &keys) else {
                continue;
            };
            let Ok(name) = CredentialName::new(r.name.as_str()) else {
                continue;
            };
            let site =
                credential_site(t, below).unwrap_or_else(|| CredentialSite::Field(r.path.clone()));
            let users = credentials.users.entry(name.clone()).or_default();
            if !users.iter().any(|(_, t)| *t == team) {
                users.push((zone, team));
            }
            credentials.uses.push(CredentialUse {
                name,
                zone,
                team,
                site,
            });
        }
        credentials
    }

    /// The distinct teams that name a credential, in model order.
    pub fn users(&self, name: &CredentialName) -> &[(&'a ZoneName, &'a TeamName)] {
        self.users.get(name).map_or(&[], Vec::as_slice)
    }

    /// The owner of a credential: its one declarer or, undeclared, the one
    /// team that uses it. `None` when it has no single owner.
    pub fn owner(&self, name: &CredentialName) -> Option<Owner<'a>> {
        match self.declared.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one.owner),
            Some(_) => None,
            None => match self.users(name) {
                [(zone, team)] => Some(Owner::Team { zone, team }),
                _ => None,
            },
        }
    }

    /// Whether a use is allowed.
    pub fn verdict(&self, used: &CredentialUse<'a>) -> CredentialVerdict<'a> {
        match self.declared.get(&used.name).map(Vec::as_slice) {
            Some([one]) => {
                if one.owner.is_team(used.team)
                    || granted(&one.declaration.grants, used.zone, used.team)
                {
                    CredentialVerdict::Allowed
                } else {
                    CredentialVerdict::NotGranted(one.owner)
                }
            }
            Some(_) => CredentialVerdict::NoSingleOwner,
            None if self.users(&used.name).len() > 1 => CredentialVerdict::NoSingleOwner,
            None => CredentialVerdict::Allowed,
        }
    }
}

/// What claims a file under the model's directory.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FileSite<'a> {
    /// A `SQLITE` database container's `database`.
    SqliteContainer(&'a ContainerName),
    /// A workspace's hook module.
    HookModule(&'a WorkspaceName),
    /// A dataset's Avro schema file.
    AvroSchema(&'a DatastoreName, &'a DatasetName),
    /// An environment's container map, giving a team's container a
    /// `SQLITE` database file in that environment: the file holds the
    /// container's data, so it is the container's team's.
    EnvironmentContainer {
        /// The environment.
        environment: &'a EnvironmentName,
        /// The team's container it maps.
        container: &'a ContainerName,
    },
    /// A platform's parameter that maps a source container to a file or
    /// folder (the `sqlite` platform's `sources`): the file belongs to the
    /// container's team, and the ecosystem names it.
    Platform {
        /// The platform.
        platform: &'a PlatformName,
        /// The parameter's path below the platform's `parameters`.
        parameter: &'a [String],
        /// The container it holds the data of, if the model defines it.
        container: Option<&'a ContainerName>,
    },
    /// Any other field whose type says it names a file: its place. The
    /// region it lies in owns the file.
    Field(ModelPath),
}

/// A file (or folder) a model element names, with its owner and whom the
/// owner grants it to.
#[derive(Debug, Clone)]
pub struct FileClaim<'a> {
    /// The path as written, relative to the model's root.
    pub path: Cow<'a, str>,
    /// Its owner.
    pub owner: Owner<'a>,
    /// Whom the owner grants it to.
    pub grants: &'a [Grantee],
    /// What names it.
    pub site: FileSite<'a>,
}

impl FileClaim<'_> {
    /// The model path of the name, built only for a finding.
    pub fn model_path(&self) -> ModelPath {
        match &self.site {
            FileSite::SqliteContainer(container) => self.owner.region_path().keys([
                "containers",
                container.as_str(),
                "kind",
                "database",
                "database",
            ]),
            FileSite::EnvironmentContainer {
                environment,
                container,
            } => ModelPath::root().keys([
                "environments",
                environment.as_str(),
                "containers",
                container.as_str(),
                "database",
                "database",
            ]),
            FileSite::HookModule(workspace) => {
                self.owner
                    .region_path()
                    .keys(["workspaces", workspace.as_str(), "hook", "module"])
            }
            FileSite::AvroSchema(store, dataset) => self.owner.region_path().keys([
                "datastores",
                store.as_str(),
                "datasets",
                dataset.as_str(),
                "schema",
                "avro",
                "file",
                "path",
            ]),
            FileSite::Platform {
                platform,
                parameter,
                ..
            } => ModelPath::root()
                .keys(["platforms", platform.as_str(), "parameters"])
                .keys(*parameter),
            FileSite::Field(path) => path.clone(),
        }
    }

    /// What names it, for messages.
    pub fn describe(&self) -> String {
        match &self.site {
            FileSite::SqliteContainer(container) => format!("container `{container}`"),
            FileSite::EnvironmentContainer {
                environment,
                container,
            } => format!("environment `{environment}`'s map of container `{container}`"),
            FileSite::HookModule(workspace) => format!("the hook of workspace `{workspace}`"),
            FileSite::AvroSchema(store, dataset) => {
                format!("the Avro schema of dataset `{store}.{dataset}`")
            }
            FileSite::Platform {
                platform,
                parameter,
                container,
            } => {
                let parameter = parameter.first().map_or("parameters", String::as_str);
                match container {
                    Some(c) => format!("platform `{platform}`'s `{parameter}` for container `{c}`"),
                    None => format!("platform `{platform}`'s `{parameter}`"),
                }
            }
            FileSite::Field(path) => format!("`{path}`"),
        }
    }

    /// How many parts its path has, as a file system resolves it.
    pub fn depth(&self) -> usize {
        parts(&self.path).len()
    }

    /// Whether the claim's owner lets team `team` of zone `zone` name it.
    pub fn allows(&self, zone: &ZoneName, team: &TeamName) -> bool {
        self.owner.is_team(team) || granted(self.grants, zone, team)
    }
}

/// The files a model names, from its inventory: each `SQLITE` database
/// container's file, each Avro schema file, each hook module and every
/// other field whose type names a file, in model order; then each file an
/// environment's container map gives a team's container, owned by that
/// container's team, in every environment's view at once (a file is one
/// file whichever environment names it).
pub fn file_claims(eco: &Ecosystem) -> Vec<FileClaim<'_>> {
    file_claims_in(eco, &inventory(eco))
}

/// [`file_claims`], reading `found`, the inventory of `eco`.
pub fn file_claims_in<'a>(eco: &'a Ecosystem, found: &[ResourceRef]) -> Vec<FileClaim<'a>> {
    let (mut claims, environments): (Vec<_>, Vec<_>) = found
        .iter()
        .filter(|r| !r.key && names_file(r))
        .map(|r| file_claim(eco, r))
        .partition(|c| !matches!(c.site, FileSite::EnvironmentContainer { .. }));
    claims.extend(environments);
    claims
}

/// Whether a reference names a file under the model: a file, or a
/// `SQLITE` database (which is one).
fn names_file(r: &ResourceRef) -> bool {
    match r.kind {
        ResourceKind::File => true,
        ResourceKind::Database => r.beside("engine") == Some("SQLITE"),
        _ => false,
    }
}

/// The claim a reference to a file makes: its owner, whom the owner
/// grants it to, and what names it, read from where it lies.
fn file_claim<'a>(eco: &'a Ecosystem, r: &ResourceRef) -> FileClaim<'a> {
    let keys = r.path.shape();
    let path = Cow::Owned(r.name.clone());
    let field = || FileSite::Field(r.path.clone());
    if let Some((zone, team, t, below)) = team_at(eco, &keys) {
        let owner = Owner::Team { zone, team };
        let (grants, site) = match below {
            ["containers", c, "kind", "database", "database"] => {
                match t.containers.get_key_value(*c) {
                    Some((name, container)) => {
                        (container.grants.as_slice(), FileSite::SqliteContainer(name))
                    }
                    None => (&[][..], field()),
                }
            }
            [
                "datastores",
                s,
                "datasets",
                d,
                "schema",
                "avro",
                "file",
                "path",
            ] => {
                let found = t
                    .datastores
                    .get_key_value(*s)
                    .and_then(|(store, st)| Some((store, st.datasets.get_key_value(*d)?.0)));
                match found {
                    Some((store, dataset)) => (&[][..], FileSite::AvroSchema(store, dataset)),
                    None => (&[][..], field()),
                }
            }
            ["workspaces", w, "hook", "module"] => match t.workspaces.get_key_value(*w) {
                Some((workspace, _)) => (&[][..], FileSite::HookModule(workspace)),
                None => (&[][..], field()),
            },
            _ => (&[][..], field()),
        };
        return FileClaim {
            path,
            owner,
            grants,
            site,
        };
    }
    if let [
        "environments",
        environment,
        "containers",
        container,
        "database",
        "database",
    ] = keys[..]
        && let Some((environment, env)) = eco.environments.get_key_value(environment)
        && let Some((container, _)) = env.containers.get_key_value(container)
    {
        // A map of a container nobody declares is `environment-unknown-name`;
        // its file is still the ecosystem's, so no team's may lie on it.
        let (owner, grants) =
            eco.container(container)
                .map_or((Owner::Ecosystem, &[][..]), |(at, c)| {
                    (
                        Owner::Team {
                            zone: at.zone,
                            team: at.team,
                        },
                        c.grants.as_slice(),
                    )
                });
        return FileClaim {
            path,
            owner,
            grants,
            site: FileSite::EnvironmentContainer {
                environment,
                container,
            },
        };
    }
    FileClaim {
        path,
        owner: region_owner(eco, &keys),
        grants: &[],
        site: field(),
    }
}

/// The team whose region a path's `keys` ([`ModelPath::shape`]) lie in,
/// and the keys below the team.
pub fn team_at<'a, 'k>(
    eco: &'a Ecosystem,
    keys: &'k [&'k str],
) -> Option<(&'a ZoneName, &'a TeamName, &'a Team, &'k [&'k str])> {
    let ["zones", zone, "teams", team, below @ ..] = keys else {
        return None;
    };
    let (zone, z) = eco.zones.get_key_value(*zone)?;
    let (team, t) = z.teams.get_key_value(*team)?;
    Some((zone, team, t, below))
}

/// Who owns the region `keys` lie in: a team, a zone or the ecosystem.
fn region_owner<'a>(eco: &'a Ecosystem, keys: &[&str]) -> Owner<'a> {
    if let Some((zone, team, ..)) = team_at(eco, keys) {
        return Owner::Team { zone, team };
    }
    match keys {
        ["zones", zone, ..] => eco
            .zones
            .get_key_value(*zone)
            .map_or(Owner::Ecosystem, |(zone, _)| Owner::Zone(zone)),
        _ => Owner::Ecosystem,
    }
}

/// A declaration of a credential, at `keys`: its owner and the declaration.
fn declared_at<'a>(
    eco: &'a Ecosystem,
    keys: &[&str],
) -> Option<(Owner<'a>, (&'a CredentialName, &'a CredentialDeclaration))> {
    match keys {
        ["credentials", name] => Some((Owner::Ecosystem, eco.credentials.get_key_value(*name)?)),
        ["zones", zone, "credentials", name] => {
            let (zone, z) = eco.zones.get_key_value(*zone)?;
            Some((Owner::Zone(zone), z.credentials.get_key_value(*name)?))
        }
        ["zones", _, "teams", _, "credentials", name] => {
            let (zone, team, t, _) = team_at(eco, keys)?;
            Some((
                Owner::Team { zone, team },
                t.credentials.get_key_value(*name)?,
            ))
        }
        _ => None,
    }
}

/// What names a credential at `below`, the keys below team `t`, when it
/// is a place this module has words for.
fn credential_site<'a>(t: &'a Team, below: &[&str]) -> Option<CredentialSite<'a>> {
    match below {
        [
            "datastores",
            store,
            "capture",
            "ingestion",
            "credential",
            "name",
        ] => Some(CredentialSite::Capture(
            t.datastores.get_key_value(*store)?.0,
        )),
        ["containers", container, "kind", "kafka", "caCertificate"] => Some(
            CredentialSite::KafkaCa(t.containers.get_key_value(*container)?.0),
        ),
        [
            "workspaces",
            workspace,
            "transformer",
            "code",
            "pythonRepo",
            "repository",
            "credential",
        ] => Some(CredentialSite::TransformerRepository(
            t.workspaces.get_key_value(*workspace)?.0,
        )),
        _ => None,
    }
}

/// Why `user`'s claim is refused, when `owner`'s claim names the same file,
/// a folder around it or a file inside it, and does not let `user`'s team
/// name it: the place, the message and the help of a `resource-not-granted`
/// finding. `None` when it is allowed, or when `user` is not a team's.
pub fn file_refusal(
    eco: &Ecosystem,
    user: &FileClaim<'_>,
    owner: &FileClaim<'_>,
) -> Option<(ModelPath, String, String)> {
    let Owner::Team { zone, team } = user.owner else {
        return None;
    };
    if owner.allows(zone, team) {
        return None;
    }
    let relation = match user.depth().cmp(&owner.depth()) {
        Ordering::Less => "a folder that holds",
        Ordering::Equal => "the same file as",
        Ordering::Greater => "a file inside",
    };
    let container = match &owner.site {
        FileSite::SqliteContainer(c)
        | FileSite::EnvironmentContainer { container: c, .. }
        | FileSite::Platform {
            container: Some(c), ..
        } => Some(c),
        _ => None,
    };
    let help = match container {
        Some(c) => format!(
            "name a file of your own, or ask {} ({}) to add `grants: [{{team: {team}}}]` to container `{c}`",
            owner.owner,
            owner.owner.repository(eco)
        ),
        None => match &owner.site {
            FileSite::AvroSchema(..) => {
                "name a file of your own (a copy, pinned by its own digest): Avro schema files are not shared".to_owned()
            }
            FileSite::Platform { platform, .. } => format!(
                "name a file of your own, outside the files and folders platform `{platform}` keeps for itself"
            ),
            FileSite::HookModule(_) => {
                "name a file of your own: hook modules are not shared".to_owned()
            }
            _ => format!(
                "name a file of your own, or ask {} ({}) for another way to share it",
                owner.owner,
                owner.owner.repository(eco)
            ),
        },
    };
    Some((
        user.model_path(),
        format!(
            "{} names `{}`, {relation} `{}`, which belongs to {} ({})",
            user.describe(),
            user.path,
            owner.path,
            owner.owner,
            owner.describe()
        ),
        help,
    ))
}

/// A path's parts as a file system might resolve them, for comparison: `.`
/// and empty parts dropped, `..` taking the part before it away (kept when
/// it climbs above the root, so such a path meets nothing inside), and case
/// folded (a case-insensitive file system would open `Data/X.sqlite` for
/// `data/x.sqlite`).
fn parts(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            _ => parts.push(part.to_lowercase()),
        }
    }
    parts
}

/// Each pair of claims (by position, the first the shorter path) where one
/// names the same file as the other or a file inside it, and the two have
/// different owners. A pair is reported once.
pub fn overlapping(claims: &[FileClaim<'_>]) -> Vec<(usize, usize)> {
    let mut keyed: Vec<(Vec<String>, usize)> = claims
        .iter()
        .enumerate()
        .map(|(i, c)| (parts(&c.path), i))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut found = Vec::new();
    for (at, (outer, i)) in keyed.iter().enumerate() {
        // Sorted by parts, the paths inside `outer` (and equal ones) follow it.
        for (inner, j) in &keyed[at + 1..] {
            if inner.len() < outer.len() || inner[..outer.len()] != outer[..] {
                break;
            }
            if claims[*i].owner != claims[*j].owner {
                found.push((*i, *j));
            }
        }
    }
    found.sort_unstable();
    found
}

/// Whether a relative path stays inside the folder it is read from: not
/// empty, with no `..`, no root, no `~`, no `\` and no drive. A team's
/// database file under the model's directory is one; a file drop's file
/// name must also be one file of its folder ([`drop_file_name`]).
pub fn confined(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.starts_with('~')
        && !path.contains('\\')
        && !path.contains(':')
        && path.split('/').all(|p| p != "..")
}

/// Why a text is not one file's name in a drop folder
/// ([`drop_file_name`]): each says what the name does and what a platform
/// would do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotAFileName {
    /// The name is empty.
    #[error("it is empty")]
    Empty,
    /// It climbs out of the folder or starts at a root, a home directory
    /// or a drive.
    #[error("it is not inside its drop folder")]
    Outside,
    /// It names a file in a folder below the drop folder.
    #[error("`/` and `\\` make it a path, and a platform reads only the drop folder's own files")]
    Path,
    /// It starts with `.`: a hidden file (or `.`, `..`).
    #[error("it starts with `.`, a hidden file's name")]
    Hidden,
    /// It holds a wildcard, which no platform expands.
    #[error("`{0}` is a wildcard, and a platform reads one file by its name, never a pattern")]
    Wildcard(char),
    /// It holds a control character.
    #[error("it holds a control character")]
    Control,
}

/// Whether `name` is one file's name in a file drop's folder: not empty,
/// no path (`/`, `\`, a drive's `:`, a leading `~`), not hidden (a
/// leading `.`, which also refuses `..`), no wildcard (`*?[]{}`) and no
/// control character. The one definition: `check`
/// (`unconfined-path`) and every platform that reads a drop folder ask it.
pub fn drop_file_name(name: &str) -> Result<(), NotAFileName> {
    if name.is_empty() {
        return Err(NotAFileName::Empty);
    }
    // Read with `\` as a separator too, as a Windows worker would.
    if !confined(&name.replace('\\', "/")) {
        return Err(NotAFileName::Outside);
    }
    if name.contains(['/', '\\']) {
        return Err(NotAFileName::Path);
    }
    if name.starts_with('.') {
        return Err(NotAFileName::Hidden);
    }
    if let Some(c) = name.chars().find(|c| "*?[]{}".contains(*c)) {
        return Err(NotAFileName::Wildcard(c));
    }
    if name.chars().any(char::is_control) {
        return Err(NotAFileName::Control);
    }
    Ok(())
}

/// A file drop's file name, relative to its container's folder.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DropFile<'a> {
    /// Where the model names it.
    pub path: ModelPath,
    /// The datastore that reads it, when it is a datastore's capture.
    pub store: Option<&'a DatastoreName>,
    /// The name as written.
    pub file: String,
}

impl DropFile<'_> {
    /// What reads it, for messages: "datastore `X`".
    pub fn describe(&self) -> String {
        match self.store {
            Some(store) => format!("datastore `{store}`"),
            None => format!("`{}`", self.path),
        }
    }
}

/// Every file drop's file name, in model order, from its inventory.
pub fn drop_files(eco: &Ecosystem) -> Vec<DropFile<'_>> {
    drop_files_in(eco, &inventory(eco))
}

/// [`drop_files`], reading `found`, the inventory of `eco`.
pub fn drop_files_in<'a>(eco: &'a Ecosystem, found: &[ResourceRef]) -> Vec<DropFile<'a>> {
    found
        .iter()
        .filter(|r| r.kind == ResourceKind::DropFile && !r.key)
        .map(|r| {
            let keys = r.path.shape();
            let store = match team_at(eco, &keys) {
                Some((.., t, ["datastores", store, "capture", ..])) => {
                    t.datastores.get_key_value(*store).map(|(name, _)| name)
                }
                _ => None,
            };
            DropFile {
                path: r.path.clone(),
                store,
                file: r.name.clone(),
            }
        })
        .collect()
}

impl PartialOrd for Owner<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Owner<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        fn rank<'b>(o: &Owner<'b>) -> (u8, &'b str, &'b str) {
            match o {
                Owner::Ecosystem => (0, "", ""),
                Owner::Platform(p) => (1, p.as_str(), ""),
                Owner::Zone(z) => (2, z.as_str(), ""),
                Owner::Team { zone, team } => (3, zone.as_str(), team.as_str()),
            }
        }
        rank(self).cmp(&rank(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim<'a>(path: &'a str, owner: Owner<'a>) -> FileClaim<'a> {
        FileClaim {
            path: Cow::Borrowed(path),
            owner,
            grants: &[],
            site: FileSite::HookModule(Box::leak(Box::new(WorkspaceName::new("W").unwrap()))),
        }
    }

    #[test]
    fn files_overlap_when_equal_or_inside_and_differently_owned() {
        let z = ZoneName::new("Z").unwrap();
        let (a, b) = (TeamName::new("A").unwrap(), TeamName::new("B").unwrap());
        let ta = Owner::Team { zone: &z, team: &a };
        let tb = Owner::Team { zone: &z, team: &b };
        let claims = [
            claim("data/a.sqlite", ta),
            claim("./Data/A.sqlite", tb),
            claim("drops", ta),
            claim("drops-b/x.csv", tb),
            claim("drops/b/x.csv", tb),
            claim("drops/a.csv", ta),
            claim("drops-b/../data/A.sqlite", tb),
        ];
        assert_eq!(overlapping(&claims), vec![(0, 1), (0, 6), (2, 4)]);
    }

    /// A field this module has no words for, which a later feature adds
    /// (here a transformer's SQL file): the inventory names it, so it is
    /// claimed by the region it lies in and judged like any other.
    #[test]
    fn a_file_named_where_this_module_has_no_words_is_its_regions_and_judged() {
        let eco = Ecosystem::builder("Shop", "acme/eco@main", "acme/eco@live")
            .zone("EU", "acme/eu@main", |z| {
                z.team("Sales", "acme/sales@main", |t| {
                    t.sqlite("Orders DB", "data/orders.sqlite", |c| c)
                })
                .team("Ops", "acme/ops@main", |t| t)
            })
            .build()
            .unwrap();
        let mut found = inventory(&eco);
        let at = ModelPath::team("EU", "Ops").keys(["workspaces", "W", "transformer", "sqlFile"]);
        found.push(ResourceRef {
            kind: ResourceKind::File,
            name: "./data/orders.sqlite".to_owned(),
            path: at.clone(),
            key: false,
            beside: Vec::new(),
            field: ("Transformer".to_owned(), "sqlFile".to_owned()),
        });
        let claims = file_claims_in(&eco, &found);
        let new = claims.iter().find(|c| c.model_path() == at).unwrap();
        assert_eq!(new.owner.to_string(), "team `Ops` of zone `EU`");
        let pairs = overlapping(&claims);
        assert_eq!(pairs.len(), 1, "{claims:?}");
        let (i, j) = pairs[0];
        let (user, owner) = if claims[i].model_path() == at {
            (i, j)
        } else {
            (j, i)
        };
        let (path, message, _) = file_refusal(&eco, &claims[user], &claims[owner]).unwrap();
        assert_eq!(path, at);
        assert_eq!(
            message,
            "`/zones/EU/teams/Ops/workspaces/W/transformer/sqlFile` names `./data/orders.sqlite`, \
             the same file as `data/orders.sqlite`, which belongs to team `Sales` of zone `EU` \
             (container `Orders DB`)"
        );
    }

    #[test]
    fn drop_files_stay_in_their_folder() {
        for good in ["orders.csv", "2024/orders-*.csv", "./x.csv", "a..b.csv"] {
            assert!(confined(good), "{good}");
        }
        for bad in [
            "",
            "../x.csv",
            "a/../../x.csv",
            "/etc/passwd",
            "~/x",
            "a\\..\\x",
            "C:/x",
        ] {
            assert!(!confined(bad), "{bad}");
        }
    }

    #[test]
    fn a_drop_file_name_is_one_visible_file_of_the_folder() {
        for good in [
            "orders.csv",
            "orders",
            "orders 2024.csv",
            "o..csv",
            "naïve.csv",
        ] {
            assert_eq!(drop_file_name(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", NotAFileName::Empty),
            ("../x.csv", NotAFileName::Outside),
            ("/etc/passwd", NotAFileName::Outside),
            ("~/x", NotAFileName::Outside),
            ("C:x", NotAFileName::Outside),
            ("a\\..\\x", NotAFileName::Outside),
            ("sub/x.csv", NotAFileName::Path),
            ("sub\\x.csv", NotAFileName::Path),
            (".hidden.csv", NotAFileName::Hidden),
            ("..", NotAFileName::Outside),
            ("*.csv", NotAFileName::Wildcard('*')),
            ("x?.csv", NotAFileName::Wildcard('?')),
            ("x[12].csv", NotAFileName::Wildcard('[')),
            ("x{a,b}.csv", NotAFileName::Wildcard('{')),
            ("x\ny.csv", NotAFileName::Control),
        ] {
            assert_eq!(drop_file_name(bad), Err(why), "{bad:?}");
        }
    }

    proptest::proptest! {
        /// A file name that `confined` accepts never climbs out of its
        /// folder, however it is resolved: its depth never goes below zero.
        #[test]
        fn confined_names_never_climb_out(path in "[a-z./~\\\\:]{0,12}") {
            if confined(&path) {
                let mut depth = 0i32;
                for part in path.split('/') {
                    match part {
                        "" | "." => {}
                        ".." => depth -= 1,
                        _ => depth += 1,
                    }
                    proptest::prop_assert!(depth >= 0, "{}", path);
                }
                proptest::prop_assert!(!path.starts_with('/'));
            }
        }

        /// A drop file name names one file of the folder: joined to any
        /// folder it has one more component, itself, and is confined.
        #[test]
        fn drop_file_names_are_single_files(name in "[a-z./~\\\\:*?\\[\\]{}\n ]{0,10}") {
            if drop_file_name(&name).is_ok() {
                let path = std::path::Path::new("/drop").join(&name);
                proptest::prop_assert_eq!(path.parent(), Some(std::path::Path::new("/drop")), "{:?}", name);
                proptest::prop_assert!(confined(&name), "{:?}", name);
            }
        }

        /// Overlaps found by sorting are exactly those of comparing every pair.
        #[test]
        fn overlaps_are_those_of_every_pair(
            paths in proptest::collection::vec(("[ab]{1,2}(/[ab]{1,2}){0,2}", 0..3u8), 0..8),
        ) {
            let z = ZoneName::new("Z").unwrap();
            let teams = [TeamName::new("A").unwrap(), TeamName::new("B").unwrap(), TeamName::new("C").unwrap()];
            let claims: Vec<FileClaim<'_>> = paths.iter().map(|(p, t)| claim(p, Owner::Team { zone: &z, team: &teams[usize::from(*t)] })).collect();
            let mut expected = Vec::new();
            for i in 0..claims.len() {
                for j in 0..claims.len() {
                    let (pi, pj) = (parts(&claims[i].path), parts(&claims[j].path));
                    let inside = pj.len() >= pi.len() && pj[..pi.len()] == pi[..];
                    let first = pi < pj || (pi == pj && i < j);
                    if i != j && inside && first && claims[i].owner != claims[j].owner {
                        expected.push((i, j));
                    }
                }
            }
            expected.sort_unstable();
            proptest::prop_assert_eq!(overlapping(&claims), expected);
        }
    }
}
