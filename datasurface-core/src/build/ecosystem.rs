//! The ecosystem, its vendors and locations, its platforms and assignments.

use crate::OrderedMap;

use super::{
    BuildProblems, Finish, Problems, ZoneBuilder, add_new, builder, describe, doc, insert_new,
    reopen,
};
use crate::names::{EcosystemName, LocationName, PlatformKind, PlatformName, VendorName, ZoneName};
use crate::{
    AssignmentStatus, CloudVendor, DatasetGroupAssignment, Ecosystem, GovernanceZone,
    InfrastructureLocation, InfrastructureVendor, PlatformAssignment, PlatformDeclaration,
    Repository, ZoneDeclaration,
};

impl Ecosystem {
    /// Starts an ecosystem in code: its name, the repository that owns it and
    /// the one its live model is read from (`owner/name@branch`, as
    /// `--source` takes them). See [`crate::build`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live").build()?;
    /// assert_eq!(eco.live_repository.branch.as_str(), "live");
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn builder(name: &str, owning_repository: &str, live_repository: &str) -> EcosystemBuilder {
        let mut problems = Problems::default();
        let name = problems.parse(name).unwrap_or_else(EcosystemName::stand_in);
        let mut repository = |text: &str| {
            problems.parse::<Repository>(text).unwrap_or_else(|| {
                Repository::github(
                    crate::names::RepositoryName::stand_in(),
                    crate::names::BranchName::stand_in(),
                )
            })
        };
        let owning = repository(owning_repository);
        let live = repository(live_repository);
        EcosystemBuilder {
            item: Ecosystem::new(name, owning, live),
            problems,
        }
    }

    /// Goes on building an ecosystem already made, in code or from files:
    /// what a test fixture hands out to be extended.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let base = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live").build()?;
    /// let more = base.into_builder().platform("Local", "sqlite", |p| p).build()?;
    /// assert_eq!(more.platforms.len(), 1);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn into_builder(self) -> EcosystemBuilder {
        EcosystemBuilder {
            item: self,
            problems: Problems::default(),
        }
    }
}

/// Builds an [`Ecosystem`]; start with [`Ecosystem::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct EcosystemBuilder {
    item: Ecosystem,
    problems: Problems,
}

impl Finish for EcosystemBuilder {
    type Item = Ecosystem;
    fn finish(self) -> (Ecosystem, Problems) {
        (self.item, self.problems)
    }
}

impl EcosystemBuilder {
    /// Says what the ecosystem is.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .describe("Acme's data.")
    ///     .build()?;
    /// assert_eq!(eco.documentation.unwrap().description, "Acme's data.");
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn describe(mut self, text: &str) -> Self {
        self.item.documentation = Some(doc(text));
        self
    }

    /// Adds an infrastructure vendor and its locations.
    ///
    /// ```
    /// # use datasurface_core::{CloudVendor, Ecosystem};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .vendor("AWS", |v| v.cloud(CloudVendor::Aws).location("EU", |l| l.places(["eu-west-1"])))
    ///     .build()?;
    /// assert!(eco.vendors["AWS"].locations["EU"].locations.contains_key("eu-west-1"));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn vendor<R: Into<VendorBuilder>>(
        mut self,
        name: &str,
        f: impl FnOnce(VendorBuilder) -> R,
    ) -> Self {
        let start = |problems| VendorBuilder {
            item: InfrastructureVendor::default(),
            problems,
        };
        let vendors = &mut self.item.vendors;
        add_new::<VendorName, _, _>(vendors, &mut self.problems, "vendor", name, start, f);
        self
    }

    /// Declares a data platform of a kind (such as `sqlite` or `airflow`),
    /// for any version of it unless [`PlatformBuilder::version`] says which.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .platform("Local", "sqlite", |p| p.parameter_map("sources", [("Shop", "shop.sqlite")]))
    ///     .build()?;
    /// assert_eq!(eco.platforms["Local"].kind.as_str(), "sqlite");
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn platform<R: Into<PlatformBuilder>>(
        mut self,
        name: &str,
        kind: &str,
        f: impl FnOnce(PlatformBuilder) -> R,
    ) -> Self {
        let start = |mut problems: Problems| {
            let kind = problems
                .parse::<PlatformKind>(kind)
                .unwrap_or_else(PlatformKind::stand_in);
            PlatformBuilder {
                item: PlatformDeclaration::new(kind, semver::VersionReq::STAR),
                problems,
            }
        };
        let platforms = &mut self.item.platforms;
        add_new::<PlatformName, _, _>(platforms, &mut self.problems, "platform", name, start, f);
        self
    }

    /// Declares a governance zone, owned by a repository, and defines it.
    /// Use [`declare_zone`](Self::declare_zone) when its definition lives
    /// elsewhere, and [`define_zone`](Self::define_zone) to define or extend
    /// one declared already.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.describe("Data governed in the EU."))
    ///     .build()?;
    /// assert!(eco.zone_declarations.contains_key("EU") && eco.zones.contains_key("EU"));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn zone<R: Into<ZoneBuilder>>(
        mut self,
        name: &str,
        repository: &str,
        f: impl FnOnce(ZoneBuilder) -> R,
    ) -> Self {
        // A bad name is one problem, not one for the declaration and one for the zone.
        if let Err(e) = name.parse::<ZoneName>() {
            let mut problems = self.problems.within("zone", name);
            problems.report(e.to_string());
            self.problems.absorb(problems);
            return self;
        }
        self.declare_zone(name, repository).define_zone(name, f)
    }

    /// Declares a governance zone and the repository that owns it.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .declare_zone("EU", "acme/eu@main")
    ///     .build()?;
    /// assert!(eco.zones.is_empty());
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn declare_zone(mut self, name: &str, repository: &str) -> Self {
        let mut problems = self.problems.within("zone declaration", name);
        let key = problems.parse::<ZoneName>(name);
        if let Some(repository) = problems.parse::<Repository>(repository) {
            let declaration = ZoneDeclaration {
                repository,
                documentation: None,
            };
            insert_new(
                &mut self.item.zone_declarations,
                key,
                declaration,
                "zone declaration",
                &mut problems,
            );
        }
        self.problems.absorb(problems);
        self
    }

    /// Defines a zone, or goes on defining one already defined.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z)
    ///     .define_zone("EU", |z| z.describe("Extended later."))
    ///     .build()?;
    /// assert!(eco.zones["EU"].documentation.is_some());
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn define_zone<R: Into<ZoneBuilder>>(
        mut self,
        name: &str,
        f: impl FnOnce(ZoneBuilder) -> R,
    ) -> Self {
        let start = |zone: Option<GovernanceZone>, problems| {
            ZoneBuilder::from_zone(zone.unwrap_or_default(), problems)
        };
        reopen::<ZoneName, _, _>(
            &mut self.item.zones,
            &mut self.problems,
            "zone",
            name,
            start,
            f,
        );
        self
    }

    /// Assigns a workspace's dataset group to a platform, provisioned. Call
    /// it once for each platform; [`assign_as`](Self::assign_as) gives
    /// another status.
    ///
    /// ```
    /// # use datasurface_core::{AssignmentStatus, Ecosystem};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .assign("Reports", "Main", "Local")
    ///     .assign_as("Reports", "Main", "Cloud", AssignmentStatus::Provisioning)
    ///     .build()?;
    /// assert_eq!(eco.assignments[0].platforms.len(), 2);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn assign(self, workspace: &str, dataset_group: &str, platform: &str) -> Self {
        self.assign_as(
            workspace,
            dataset_group,
            platform,
            AssignmentStatus::Provisioned,
        )
    }

    /// Assigns a workspace's dataset group to a platform with a status.
    ///
    /// ```
    /// # use datasurface_core::{AssignmentStatus, Ecosystem};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .assign_as("Reports", "Main", "Local", AssignmentStatus::Decommissioned)
    ///     .build()?;
    /// assert_eq!(eco.assignments[0].platforms[0].status, AssignmentStatus::Decommissioned);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn assign_as(
        mut self,
        workspace: &str,
        dataset_group: &str,
        platform: &str,
        status: AssignmentStatus,
    ) -> Self {
        let mut problems = self.problems.within("assignment of workspace", workspace);
        let (Some(workspace), Some(dataset_group), Some(platform)) = (
            problems.parse(workspace),
            problems.parse(dataset_group),
            problems.parse(platform),
        ) else {
            self.problems.absorb(problems);
            return self;
        };
        let assignment = PlatformAssignment {
            status,
            ..PlatformAssignment::new(platform)
        };
        match self
            .item
            .assignments
            .iter_mut()
            .find(|a| a.workspace == workspace && a.dataset_group == dataset_group)
        {
            Some(existing) => existing.platforms.push(assignment),
            None => self.item.assignments.push(DatasetGroupAssignment {
                workspace,
                dataset_group,
                platforms: vec![assignment],
                chosen: false,
            }),
        }
        self
    }

    /// Names the platforms that ingest a datastore for all others, in order
    /// of preference.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .primary_ingestion("Orders", ["Cloud"])
    ///     .build()?;
    /// assert_eq!(eco.primary_ingestion_platforms["Orders"].len(), 1);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn primary_ingestion<'a>(
        mut self,
        datastore: &str,
        platforms: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut problems = self
            .problems
            .within("primary ingestion of datastore", datastore);
        let key = problems.parse(datastore);
        let platforms = problems.parse_all(platforms);
        insert_new(
            &mut self.item.primary_ingestion_platforms,
            key,
            platforms,
            "primary ingestion of datastore",
            &mut problems,
        );
        self.problems.absorb(problems);
        self
    }

    /// Declares a runtime environment that runs the head of `branch`, and
    /// the platforms it runs, each with the parameters that differ there
    /// (none for a platform as declared). Containers it maps, and its
    /// documentation, are set with [`edit`](Self::edit).
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .environment_on_branch("dev", "main", [("Local", vec![])])
    ///     .build()?;
    /// assert!(eco.environments["dev"].platforms.contains_key("Local"));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn environment_on_branch<'a>(
        mut self,
        name: &str,
        branch: &str,
        platforms: impl IntoIterator<Item = (&'a str, Vec<(&'a str, serde_json::Value)>)>,
    ) -> Self {
        let mut problems = self.problems.within("environment", name);
        let release = problems
            .parse(branch)
            .map(crate::environment::ReleaseSelector::Branch);
        self.problems.absorb(problems);
        match release {
            Some(release) => self.environment(name, release, platforms),
            None => self,
        }
    }

    /// Declares a runtime environment that runs the newest tag matching
    /// `pattern` (such as `v*`), and the platforms it runs, as
    /// [`environment_on_branch`](Self::environment_on_branch) does.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .environment_on_tags("prod", "v*", [("Cloud", vec![("mergeDatabase", "acme".into())])])
    ///     .build()?;
    /// assert_eq!(eco.environments["prod"].platforms["Cloud"].parameters["mergeDatabase"], "acme");
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn environment_on_tags<'a>(
        self,
        name: &str,
        pattern: &str,
        platforms: impl IntoIterator<Item = (&'a str, Vec<(&'a str, serde_json::Value)>)>,
    ) -> Self {
        let release = crate::environment::ReleaseSelector::TagPattern(pattern.to_owned());
        self.environment(name, release, platforms)
    }

    fn environment<'a>(
        mut self,
        name: &str,
        release: crate::environment::ReleaseSelector,
        platforms: impl IntoIterator<Item = (&'a str, Vec<(&'a str, serde_json::Value)>)>,
    ) -> Self {
        let mut problems = self.problems.within("environment", name);
        let key = problems.parse(name);
        let mut runs = OrderedMap::default();
        for (platform, parameters) in platforms {
            if let Some(platform) = problems.parse::<PlatformName>(platform) {
                let parameters = parameters
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                runs.insert(
                    platform,
                    crate::environment::EnvironmentPlatform { parameters },
                );
            }
        }
        let environment = crate::environment::Environment {
            release,
            platforms: runs,
            containers: OrderedMap::default(),
            documentation: None,
        };
        insert_new(
            &mut self.item.environments,
            key,
            environment,
            "environment",
            &mut problems,
        );
        self.problems.absorb(problems);
        self
    }

    /// Changes anything the builder has no method for, on the model itself.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .edit(|eco| eco.assignments.clear())
    ///     .build()?;
    /// assert!(eco.assignments.is_empty());
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn edit(mut self, f: impl FnOnce(&mut Ecosystem)) -> Self {
        f(&mut self.item);
        self
    }

    /// The ecosystem, or every problem found building it (bad names with
    /// where they occurred, names defined twice). It is not yet validated:
    /// `datasurface_rules::BuildValid::build_valid` is.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let problems = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("E/U", "acme/eu@main", |z| z)
    ///     .platform("Local", "SQLite!", |p| p)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(problems.0.len(), 2);
    /// assert!(problems.to_string().contains("zone `E/U`: invalid zone name"));
    /// assert!(problems.to_string().contains("platform `Local`: invalid platform kind `SQLite!`"));
    /// ```
    pub fn build(self) -> Result<Ecosystem, BuildProblems> {
        let (item, problems) = self.finish();
        problems.finish().map(|()| item)
    }
}

/// `location` and `places`, for vendors and locations alike.
macro_rules! locations {
    ($doc:literal) => {
        #[doc = $doc]
        pub fn location<R: Into<LocationBuilder>>(
            mut self,
            name: &str,
            f: impl FnOnce(LocationBuilder) -> R,
        ) -> Self {
            add_location(&mut self.item.locations, &mut self.problems, name, f);
            self
        }

        /// Adds locations with nothing inside them.
        pub fn places<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
            for name in names {
                add_location(&mut self.item.locations, &mut self.problems, name, |l| l);
            }
            self
        }
    };
}
builder! {
    /// Builds an [`InfrastructureVendor`]; see [`EcosystemBuilder::vendor`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .vendor("Private", |v| v.describe("Our own data centres.").places(["Frankfurt", "Dublin"]))
    ///     .build()?;
    /// assert_eq!(eco.vendors["Private"].locations.len(), 2);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    VendorBuilder => InfrastructureVendor
}

impl VendorBuilder {
    /// The cloud vendor this one is, for hard vendor policies.
    pub fn cloud(mut self, vendor: CloudVendor) -> Self {
        self.item.hard_cloud_vendor = Some(vendor);
        self
    }

    describe!("Says what the vendor is.");

    locations!("Adds a location, with locations inside it.");
}

builder! {
    /// Builds an [`InfrastructureLocation`]; see [`VendorBuilder::location`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .vendor("AWS", |v| v.location("EU", |l| l.describe("Europe.").location("Ireland", |l| l.places(["eu-west-1a"]))))
    ///     .build()?;
    /// assert!(eco.vendors["AWS"].locations["EU"].locations["Ireland"].locations.contains_key("eu-west-1a"));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    LocationBuilder => InfrastructureLocation
}

impl LocationBuilder {
    describe!("Says what the location is.");

    locations!("Adds a location inside this one.");
}

fn add_location<R: Into<LocationBuilder>>(
    locations: &mut OrderedMap<LocationName, InfrastructureLocation>,
    outer: &mut Problems,
    name: &str,
    f: impl FnOnce(LocationBuilder) -> R,
) {
    let start = |problems| LocationBuilder {
        item: InfrastructureLocation::default(),
        problems,
    };
    add_new::<LocationName, _, _>(locations, outer, "location", name, start, f);
}

builder! {
    /// Builds a [`PlatformDeclaration`]; see [`EcosystemBuilder::platform`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .platform("Batch", "airflow", |p| p.version("^0.1").parameter("schema", "nw").parameter("pool_size", 4))
    ///     .build()?;
    /// assert_eq!(eco.platforms["Batch"].parameters["pool_size"], 4);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    PlatformBuilder => PlatformDeclaration
}

impl PlatformBuilder {
    /// The versions of the implementation it works with, such as `^0.1`.
    pub fn version(mut self, requirement: &str) -> Self {
        match semver::VersionReq::parse(requirement) {
            Ok(v) => self.item.version = v,
            Err(e) => self.problems.report(format!(
                "`{requirement}` is not a version requirement ({e}); write one such as `^0.1`"
            )),
        }
        self
    }

    /// Where the platform runs: `Vendor:Location/Inner`.
    pub fn location(mut self, location: &str) -> Self {
        if let Some(l) = self.problems.parse(location) {
            self.item.locations.push(l);
        }
        self
    }

    /// Sets a parameter of the implementation: text, a number, a flag, a
    /// list, or any JSON value.
    pub fn parameter(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.item.parameters.insert(key.to_owned(), value.into());
        self
    }

    /// Sets a parameter that maps names to text, such as `sqlite`'s `sources`.
    pub fn parameter_map<'a>(
        self,
        key: &str,
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
            .collect();
        self.parameter(key, map)
    }

    /// When the platform's rendering moves to a new model (`immediate` by default).
    pub fn cadence(mut self, cadence: crate::Cadence) -> Self {
        self.item.cadence = cadence;
        self
    }

    /// The platform advances only inside a window that opens when `cron`
    /// fires (UTC) and stays open `minutes`.
    pub fn window(mut self, cron: &str, minutes: u32) -> Self {
        match std::num::NonZeroU32::new(minutes) {
            Some(minutes) => {
                self.item.cadence = crate::Cadence::Window(crate::AdvanceWindow {
                    cron: cron.to_owned(),
                    minutes,
                });
            }
            None => self.problems.report(
                "a window lasts at least one minute; give `window` a number of minutes above 0",
            ),
        }
        self
    }

    describe!("Says what the platform is.");
}
