//! Zones with their policies, teams and their data containers.

use std::fmt;
use std::str::FromStr;

use crate::OrderedMap;

use super::{
    DatastoreBuilder, Finish, Problems, WorkspaceBuilder, add_new, builder, describe, insert_new,
    reopen,
};
use crate::container::{Database, HostPort, ObjectStorage};
use crate::grant::{CredentialDeclaration, Grantee};
use crate::names::{
    ContainerName, CredentialName, DatastoreName, PolicyName, TeamName, WorkspaceName,
};
use crate::{
    AllowDenyPolicy, CloudVendor, ContainerKind, DataClassification, DataContainer, DatabaseEngine,
    GovernanceZone, LocationRef, PolicyMandate, Repository, StoragePolicy, Team, TeamDeclaration,
    Workspace,
};

builder! {
    /// Builds a [`GovernanceZone`]; see [`EcosystemBuilder::zone`](super::EcosystemBuilder::zone).
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z
    ///         .describe("Data governed in the EU.")
    ///         .vendor_policy("EU clouds", |p| p.allow(["AWS", "Azure"]))
    ///         .declare_team("Marketing", "acme/marketing@main"))
    ///     .build()?;
    /// assert!(eco.zones["EU"].teams.is_empty());
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    ZoneBuilder => GovernanceZone
}

impl ZoneBuilder {
    pub(super) fn from_zone(item: GovernanceZone, problems: Problems) -> Self {
        ZoneBuilder { item, problems }
    }

    describe!("Says what the zone governs.");

    /// Declares a team, owned by a repository, and defines it.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t))
    ///     .build()?;
    /// assert!(eco.zones["EU"].team_declarations.contains_key("Sales"));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn team<R: Into<TeamBuilder>>(
        mut self,
        name: &str,
        repository: &str,
        f: impl FnOnce(TeamBuilder) -> R,
    ) -> Self {
        if let Err(e) = name.parse::<TeamName>() {
            let mut problems = self.problems.within("team", name);
            problems.report(e.to_string());
            self.problems.absorb(problems);
            return self;
        }
        self.declare_team(name, repository).define_team(name, f)
    }

    /// Declares a team and the repository that owns it.
    pub fn declare_team(mut self, name: &str, repository: &str) -> Self {
        let mut problems = self.problems.within("team declaration", name);
        let key = problems.parse::<TeamName>(name);
        if let Some(repository) = problems.parse::<Repository>(repository) {
            let declaration = TeamDeclaration {
                repository,
                documentation: None,
            };
            insert_new(
                &mut self.item.team_declarations,
                key,
                declaration,
                "team declaration",
                &mut problems,
            );
        }
        self.problems.absorb(problems);
        self
    }

    /// Defines a team, or goes on defining one already defined.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z
    ///         .team("Sales", "acme/sales@main", |t| t)
    ///         .define_team("Sales", |t| t.describe("Sells.")))
    ///     .build()?;
    /// assert!(eco.zones["EU"].teams["Sales"].documentation.is_some());
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn define_team<R: Into<TeamBuilder>>(
        mut self,
        name: &str,
        f: impl FnOnce(TeamBuilder) -> R,
    ) -> Self {
        let start = |team: Option<std::sync::Arc<Team>>, problems| TeamBuilder {
            item: team
                .map(std::sync::Arc::unwrap_or_clone)
                .unwrap_or_default(),
            problems,
        };
        reopen::<TeamName, _, _>(
            &mut self.item.teams,
            &mut self.problems,
            "team",
            name,
            start,
            f,
        );
        self
    }

    /// Adds a storage policy: the containers the zone's data may be stored in.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.storage_policy("EU only", |p| p.mandated().allow(["EU Lake"])))
    ///     .build()?;
    /// assert_eq!(eco.zones["EU"].storage_policies["EU only"].containers.allowed.len(), 1);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn storage_policy(
        mut self,
        name: &str,
        f: impl FnOnce(StoragePolicyBuilder) -> StoragePolicyBuilder,
    ) -> Self {
        let start = |problems| StoragePolicyBuilder {
            item: StoragePolicy::default(),
            problems,
        };
        let policies = &mut self.item.storage_policies;
        let problems = &mut self.problems;
        add_new::<PolicyName, _, _>(policies, problems, "storage policy", name, start, f);
        self
    }

    /// Adds a classification policy: what the zone's workspaces may receive.
    pub fn classification_policy(
        mut self,
        name: &str,
        f: impl FnOnce(PolicyBuilder<DataClassification>) -> PolicyBuilder<DataClassification>,
    ) -> Self {
        let map = &mut self.item.classification_policies;
        add_policy(map, &mut self.problems, "classification policy", name, f);
        self
    }

    /// Adds a vendor policy: which vendors may host consumers of its data.
    pub fn vendor_policy(
        mut self,
        name: &str,
        f: impl FnOnce(
            PolicyBuilder<crate::names::VendorName>,
        ) -> PolicyBuilder<crate::names::VendorName>,
    ) -> Self {
        let map = &mut self.item.vendor_policies;
        add_policy(map, &mut self.problems, "vendor policy", name, f);
        self
    }

    /// Adds a location policy: which locations may host consumers of its data.
    pub fn location_policy(
        mut self,
        name: &str,
        f: impl FnOnce(PolicyBuilder<LocationRef>) -> PolicyBuilder<LocationRef>,
    ) -> Self {
        let map = &mut self.item.location_policies;
        add_policy(map, &mut self.problems, "location policy", name, f);
        self
    }

    /// Adds a hard vendor policy: which clouds may hold its data.
    pub fn hard_vendor_policy(
        mut self,
        name: &str,
        f: impl FnOnce(PolicyBuilder<CloudVendor>) -> PolicyBuilder<CloudVendor>,
    ) -> Self {
        let map = &mut self.item.hard_vendor_policies;
        add_policy(map, &mut self.problems, "hard vendor policy", name, f);
        self
    }

    /// Adds a platform policy: which platforms may deliver its data.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.platform_policy("Local only", |p| p.allow(["Local"])))
    ///     .build()?;
    /// assert!(eco.zones["EU"].platform_policies["Local only"].permits(&"Local".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn platform_policy(
        mut self,
        name: &str,
        f: impl FnOnce(
            PolicyBuilder<crate::names::PlatformName>,
        ) -> PolicyBuilder<crate::names::PlatformName>,
    ) -> Self {
        let map = &mut self.item.platform_policies;
        add_policy(map, &mut self.problems, "platform policy", name, f);
        self
    }
}

fn add_policy<T>(
    map: &mut OrderedMap<PolicyName, AllowDenyPolicy<T>>,
    outer: &mut Problems,
    what: &str,
    name: &str,
    f: impl FnOnce(PolicyBuilder<T>) -> PolicyBuilder<T>,
) {
    add_new::<PolicyName, _, _>(map, outer, what, name, PolicyBuilder::new, f);
}

/// Builds an [`AllowDenyPolicy`]: the values it allows and denies.
///
/// ```
/// # use datasurface_core::Ecosystem;
/// use datasurface_core::CloudVendor;
/// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
///     .zone("EU", "acme/eu@main", |z| z
///         .classification_policy("No MNPI", |p| p.deny(["MNPI"]).describe("Never market-moving data."))
///         .hard_vendor_policy("Not AWS", |p| p.deny_values([CloudVendor::Aws])))
///     .build()?;
/// assert_eq!(eco.zones["EU"].classification_policies["No MNPI"].denied.len(), 1);
/// # Ok::<(), datasurface_core::build::BuildProblems>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PolicyBuilder<T> {
    item: AllowDenyPolicy<T>,
    problems: Problems,
}

impl<T> Finish for PolicyBuilder<T> {
    type Item = AllowDenyPolicy<T>;
    fn finish(self) -> (AllowDenyPolicy<T>, Problems) {
        (self.item, self.problems)
    }
}

impl<T> PolicyBuilder<T> {
    pub(super) fn new(problems: Problems) -> Self {
        PolicyBuilder {
            item: AllowDenyPolicy::default(),
            problems,
        }
    }

    /// Allows these values (and, once any is allowed, only these).
    pub fn allow_values(mut self, values: impl IntoIterator<Item = T>) -> Self {
        self.item.allowed.extend(values);
        self
    }

    /// Denies these values.
    pub fn deny_values(mut self, values: impl IntoIterator<Item = T>) -> Self {
        self.item.denied.extend(values);
        self
    }

    describe!("Says why the policy exists.");
}

impl<T> PolicyBuilder<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    /// Allows these values, by name (and, once any is allowed, only these).
    pub fn allow<'a>(mut self, values: impl IntoIterator<Item = &'a str>) -> Self {
        let values = self.problems.parse_all(values);
        self.item.allowed.extend(values);
        self
    }

    /// Denies these values, by name.
    pub fn deny<'a>(mut self, values: impl IntoIterator<Item = &'a str>) -> Self {
        let values = self.problems.parse_all(values);
        self.item.denied.extend(values);
        self
    }
}

builder! {
    /// Builds a [`StoragePolicy`]; see [`ZoneBuilder::storage_policy`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.storage_policy("No US", |p| p.mandated().deny(["US Lake"])))
    ///     .build()?;
    /// assert!(!eco.zones["EU"].storage_policies["No US"].containers.permits(&"US Lake".parse().unwrap()));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    StoragePolicyBuilder => StoragePolicy
}

impl StoragePolicyBuilder {
    /// Binds every dataset of the zone, not only those that name it.
    pub fn mandated(mut self) -> Self {
        self.item.mandate = PolicyMandate::MandatedWithinZone;
        self
    }

    /// The containers the data may be stored in (and only these).
    pub fn allow<'a>(mut self, containers: impl IntoIterator<Item = &'a str>) -> Self {
        let values = self.problems.parse_all(containers);
        self.item.containers.allowed.extend(values);
        self
    }

    /// Containers the data may never be stored in.
    pub fn deny<'a>(mut self, containers: impl IntoIterator<Item = &'a str>) -> Self {
        let values = self.problems.parse_all(containers);
        self.item.containers.denied.extend(values);
        self
    }

    describe!("Says what the policy is for.");
}

builder! {
    /// Builds a [`Team`]; see [`ZoneBuilder::team`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .describe("Sells things.")
    ///         .sqlite("Warehouse", "warehouse.sqlite", |c| c)
    ///         .object_storage("Drops", "acme-drops", |c| c.location("AWS:EU/eu-west-1"))))
    ///     .build()?;
    /// assert_eq!(eco.zones["EU"].teams["Sales"].containers.len(), 2);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    TeamBuilder => shared Team
}

impl TeamBuilder {
    describe!("Says what the team does.");

    /// Declares a credential the team owns, granted to `teams` (by name)
    /// besides itself (docs/security.md).
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .declare_credential("sales_reader", &["Reporting"])))
    ///     .build()?;
    /// assert!(eco.zones["EU"].teams["Sales"].credentials.contains_key("sales_reader"));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn declare_credential(mut self, name: &str, teams: &[&str]) -> Self {
        let mut problems = self.problems.within("credential", name);
        let key = problems.parse::<CredentialName>(name);
        let grants = teams
            .iter()
            .filter_map(|t| problems.parse::<TeamName>(t).map(Grantee::Team))
            .collect();
        let declaration = CredentialDeclaration {
            grants,
            documentation: None,
        };
        insert_new(
            &mut self.item.credentials,
            key,
            declaration,
            "credential",
            &mut problems,
        );
        self.problems.absorb(problems);
        self
    }

    /// Adds a data container of any kind.
    pub fn container<R: Into<ContainerBuilder>>(
        mut self,
        name: &str,
        kind: ContainerKind,
        f: impl FnOnce(ContainerBuilder) -> R,
    ) -> Self {
        let start = |problems| ContainerBuilder {
            item: DataContainer::new(kind),
            problems,
        };
        let containers = &mut self.item.containers;
        let problems = &mut self.problems;
        add_new::<ContainerName, _, _>(containers, problems, "container", name, start, f);
        self
    }

    /// Adds a database container: its engine and its name on the server
    /// (the endpoint, if any, with [`ContainerBuilder::endpoint`]).
    ///
    /// ```
    /// # use datasurface_core::{DatabaseEngine, Ecosystem};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .database("Orders DB", DatabaseEngine::Postgres, "orders", |c| c.endpoint("db.acme.example", 5432))))
    ///     .build()?;
    /// assert!(eco.zones["EU"].teams["Sales"].containers.contains_key("Orders DB"));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn database<R: Into<ContainerBuilder>>(
        self,
        name: &str,
        engine: DatabaseEngine,
        database: &str,
        f: impl FnOnce(ContainerBuilder) -> R,
    ) -> Self {
        let kind = ContainerKind::Database(Database {
            engine,
            database: database.to_owned(),
            endpoint: None,
            options: OrderedMap::default(),
        });
        self.container(name, kind, f)
    }

    /// Adds a SQLite database container: a file, relative to the model.
    pub fn sqlite<R: Into<ContainerBuilder>>(
        self,
        name: &str,
        file: &str,
        f: impl FnOnce(ContainerBuilder) -> R,
    ) -> Self {
        self.database(name, DatabaseEngine::Sqlite, file, f)
    }

    /// Adds an object-storage container: a bucket (or top folder).
    pub fn object_storage<R: Into<ContainerBuilder>>(
        self,
        name: &str,
        bucket: &str,
        f: impl FnOnce(ContainerBuilder) -> R,
    ) -> Self {
        let kind = ContainerKind::ObjectStorage(ObjectStorage {
            endpoint: None,
            bucket: bucket.to_owned(),
            prefix: None,
        });
        self.container(name, kind, f)
    }

    /// Adds a datastore (a producer), or goes on building one already added.
    pub fn datastore<R: Into<DatastoreBuilder>>(
        mut self,
        name: &str,
        f: impl FnOnce(DatastoreBuilder) -> R,
    ) -> Self {
        let stores = &mut self.item.datastores;
        let problems = &mut self.problems;
        let start = DatastoreBuilder::from_store;
        reopen::<DatastoreName, _, _>(stores, problems, "datastore", name, start, f);
        self
    }

    /// Adds a workspace (a consumer), or goes on building one already added.
    pub fn workspace<R: Into<WorkspaceBuilder>>(
        mut self,
        name: &str,
        f: impl FnOnce(WorkspaceBuilder) -> R,
    ) -> Self {
        let start = |workspace: Option<Workspace>, problems| {
            WorkspaceBuilder::from_workspace(workspace.unwrap_or_default(), problems)
        };
        let workspaces = &mut self.item.workspaces;
        let problems = &mut self.problems;
        reopen::<WorkspaceName, _, _>(workspaces, problems, "workspace", name, start, f);
        self
    }
}

builder! {
    /// Builds a [`DataContainer`]; see [`TeamBuilder::container`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// use datasurface_core::DatabaseEngine;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .database("Lake", DatabaseEngine::Snowflake, "LAKE", |c| c
    ///             .option("account", "acme-eu")
    ///             .read_only()
    ///             .describe("The lake."))))
    ///     .build()?;
    /// assert!(eco.zones["EU"].teams["Sales"].containers["Lake"].read_only);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    ContainerBuilder => DataContainer
}

impl ContainerBuilder {
    /// Where a database server listens.
    pub fn endpoint(mut self, host: &str, port: u16) -> Self {
        match &mut self.item.kind {
            ContainerKind::Database(db) => {
                db.endpoint = Some(HostPort {
                    host: host.to_owned(),
                    port,
                });
            }
            _ => self
                .problems
                .report("only a database container has a host and port endpoint"),
        }
        self
    }

    /// Sets an engine-specific option of a database, such as Snowflake's `account`.
    pub fn option(mut self, key: &str, value: &str) -> Self {
        match &mut self.item.kind {
            ContainerKind::Database(db) => {
                db.options.insert(key.to_owned(), value.to_owned());
            }
            _ => self
                .problems
                .report("only a database container has options"),
        }
        self
    }

    /// Where the container is: `Vendor:Location/Inner`.
    pub fn location(mut self, location: &str) -> Self {
        if let Some(l) = self.problems.parse(location) {
            self.item.locations.push(l);
        }
        self
    }

    /// Marks the container read only.
    pub fn read_only(mut self) -> Self {
        self.item.read_only = true;
        self
    }

    /// Lets another team name the container (docs/security.md).
    ///
    /// ```
    /// # use datasurface_core::{Ecosystem, Grantee};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .sqlite("Warehouse", "warehouse.sqlite", |c| c.grant_team("Reporting").grant_zone("USA"))))
    ///     .build()?;
    /// assert_eq!(eco.zones["EU"].teams["Sales"].containers["Warehouse"].grants.len(), 2);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn grant_team(mut self, team: &str) -> Self {
        if let Some(t) = self.problems.parse(team) {
            self.item.grants.push(Grantee::Team(t));
        }
        self
    }

    /// Lets every team of a zone name the container.
    pub fn grant_zone(mut self, zone: &str) -> Self {
        if let Some(z) = self.problems.parse(zone) {
            self.item.grants.push(Grantee::Zone(z));
        }
        self
    }

    describe!("Says what the container is.");
}
