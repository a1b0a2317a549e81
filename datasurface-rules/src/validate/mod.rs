//! Validation: every rule of the model, with diagnostics a person can act on.
//!
//! [`validate`] runs every rule over a model and either returns a
//! [`ValidEcosystem`], which later stages require, or the [`Report`] of what
//! is wrong. Rules collect every finding; none stops at the first. Each
//! finding has a stable code, a severity, a [`ModelPath`], a message, a help
//! line, the repository that owns the region to change and, when the model
//! came from files (`datasurface_files::locate`), a file position.
//!
//! The rules live one per file in `validate/rules/`; [`rules::RULES`] lists
//! them, and [`catalogue`](crate::catalogue) documents them.

mod context;
pub mod incremental;
pub mod rules;

use std::ops::Deref;

pub use context::{Context, Names};
pub use datasurface_core::diagnostic::{
    CodeInfo, Diagnostic, ModelPath, Report, Segment, Severity, SourceLocation,
};
pub use datasurface_core::index::{
    ContainerUse, ContainerUser, DatasetAt, ModelIndex, Placed, SinkAt,
};
pub use datasurface_core::places::Places;

use datasurface_core::names::{ContainerName, DatastoreName, WorkspaceName};
use datasurface_core::{DataContainer, Datastore, Ecosystem, Workspace};

/// A model that passed validation: it may still carry warnings.
///
/// Later stages take a `ValidEcosystem`, so they cannot be handed an unchecked model.
#[derive(Debug, Clone)]
pub struct ValidEcosystem {
    ecosystem: Ecosystem,
    warnings: Report,
    /// Built on first use: where each named object is.
    places: std::sync::OnceLock<Places>,
    /// Every reference the model makes to a resource, as validation read it.
    inventory: std::sync::OnceLock<Vec<datasurface_core::inventory::ResourceRef>>,
}

impl PartialEq for ValidEcosystem {
    fn eq(&self, other: &Self) -> bool {
        self.ecosystem == other.ecosystem && self.warnings == other.warnings
    }
}

impl Eq for ValidEcosystem {}

impl ValidEcosystem {
    /// The model.
    pub fn ecosystem(&self) -> &Ecosystem {
        &self.ecosystem
    }

    /// The warnings and notes validation found.
    pub fn warnings(&self) -> &Report {
        &self.warnings
    }

    /// Where each named object of the model is, for the paths of findings:
    /// built on the first call, then kept.
    pub fn places(&self) -> &Places {
        self.places.get_or_init(|| Places::new(&self.ecosystem))
    }

    /// Every reference the model makes to a resource
    /// ([`datasurface_core::inventory`]), taken once: the authority checks
    /// after validation (a platform's resources, where links lead, the
    /// files a change touches) read it rather than walking the model again.
    pub fn inventory(&self) -> &[datasurface_core::inventory::ResourceRef] {
        self.inventory
            .get_or_init(|| datasurface_core::inventory::inventory(&self.ecosystem))
    }

    /// The datastore of a name, found through [`places`](Self::places)
    /// rather than by a walk of every team.
    pub fn find_datastore(&self, name: &DatastoreName) -> Option<&Datastore> {
        let (zone, team) = self.places().datastore_team(name)?;
        self.ecosystem
            .zones
            .get(zone)?
            .teams
            .get(team)?
            .datastores
            .get(name)
    }

    /// The workspace of a name, found through [`places`](Self::places).
    pub fn find_workspace(&self, name: &WorkspaceName) -> Option<&Workspace> {
        let (zone, team) = self.places().workspace_team(name)?;
        self.ecosystem
            .zones
            .get(zone)?
            .teams
            .get(team)?
            .workspaces
            .get(name)
    }

    /// The data container of a name, found through [`places`](Self::places).
    pub fn find_container(&self, name: &ContainerName) -> Option<&DataContainer> {
        let (zone, team) = self.places().container_team(name)?;
        self.ecosystem
            .zones
            .get(zone)?
            .teams
            .get(team)?
            .containers
            .get(name)
    }

    /// The model, giving up the proof that it is valid.
    pub fn into_inner(self) -> Ecosystem {
        self.ecosystem
    }
}

impl Deref for ValidEcosystem {
    type Target = Ecosystem;

    fn deref(&self) -> &Ecosystem {
        &self.ecosystem
    }
}

/// Runs every rule over a model and reports every finding, sorted.
pub fn check(ecosystem: &Ecosystem) -> Report {
    checked(ecosystem).0
}

/// [`check`], and the model's resource inventory the rules read.
///
/// The inventory is taken on a thread of its own from the start, beside
/// the index and then beside the rules that do not read it, which run
/// first ([`rules::Rule::reads_inventory`]): no core waits for it while
/// there is other work.
fn checked(ecosystem: &Ecosystem) -> (Report, Vec<datasurface_core::inventory::ResourceRef>) {
    checked_within(ecosystem, None)
}

/// [`checked`] of a part of a model whose whole has `names`, when it is one.
pub(crate) fn checked_within(
    ecosystem: &Ecosystem,
    names: Option<&Names>,
) -> (Report, Vec<datasurface_core::inventory::ResourceRef>) {
    let inventory = std::sync::OnceLock::new();
    let found = std::thread::scope(|scope| {
        scope.spawn(|| {
            inventory.get_or_init(|| datasurface_core::inventory::inventory(ecosystem));
        });
        let cx = match names {
            Some(names) => Context::within(ecosystem, &inventory, names),
            None => Context::new(ecosystem, &inventory),
        };
        // The rules on every core, their findings in the rules' order.
        let mut found: Vec<Diagnostic> = datasurface_stdx::parallel::each(
            rules::RULES,
            |rule| usize::from(!rule.reads_inventory()),
            |rule| {
                let mut findings = rules::Findings::new(rule);
                (rule.check)(&cx, &mut findings);
                findings.found
            },
        )
        .into_iter()
        .flatten()
        .collect();
        for diagnostic in &mut found {
            diagnostic.owner = Some(cx.owner(&diagnostic.path).to_string());
        }
        found
    });
    let inventory = inventory
        .into_inner()
        .unwrap_or_else(|| datasurface_core::inventory::inventory(ecosystem));
    (Report::new(found), inventory)
}

/// Validates a model: a [`ValidEcosystem`] if no rule finds an error, the whole report otherwise.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let text = "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Tiny\n\
///             owningRepository: {name: acme/eco, branch: main}\n\
///             liveRepository: {name: acme/eco, branch: main}\n";
/// let model = datasurface_files::from_yaml_str(text)?;
/// let report = datasurface_rules::validate::validate(model).unwrap_err();
/// assert_eq!(report.codes(), ["owning-is-live-repository"]);
/// # Ok(())
/// # }
/// ```
pub fn validate(ecosystem: Ecosystem) -> Result<ValidEcosystem, Report> {
    try_validate(ecosystem).map_err(|invalid| invalid.report)
}

/// A model that did not validate, handed back with its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The model, unchanged.
    pub ecosystem: Ecosystem,
    /// Every finding, errors among them.
    pub report: Report,
}

/// [`validate`], handing the model back when it is not valid, for callers that
/// go on with it (a gate that also verifies the change, or counts what it holds).
pub fn try_validate(ecosystem: Ecosystem) -> Result<ValidEcosystem, Box<Invalid>> {
    let (report, inventory) = checked(&ecosystem);
    if report.has_errors() {
        Err(Box::new(Invalid { ecosystem, report }))
    } else {
        Ok(ValidEcosystem {
            ecosystem,
            warnings: report,
            places: std::sync::OnceLock::new(),
            inventory: std::sync::OnceLock::from(inventory),
        })
    }
}
