//! Edits of a model that a plan must carry out: the everyday changes of an ecosystem.

use datasurface_core::names::{DatasetName, WorkspaceName};
use datasurface_core::{
    AssignmentStatus, Column, DatasetSink, Ecosystem, Milestoning, PlatformAssignment, Workspace,
};

/// A named change of a model.
#[derive(Debug, Clone, Copy)]
pub struct Edit {
    /// What it does, for messages.
    pub name: &'static str,
    /// Makes the change; returns false when the model has nothing it applies to.
    pub apply: fn(&mut Ecosystem) -> bool,
}

/// The edits the conformance kit plans in both directions.
pub const EDITS: [Edit; 6] = [
    Edit {
        name: "a nullable column added",
        apply: add_nullable_column,
    },
    Edit {
        name: "a consumer workspace added",
        apply: add_consumer,
    },
    Edit {
        name: "a consumer workspace removed",
        apply: remove_consumer,
    },
    Edit {
        name: "a dataset group's milestoning changed",
        apply: change_milestoning,
    },
    Edit {
        name: "a sink removed from a dataset group",
        apply: remove_sink,
    },
    Edit {
        name: "every assignment decommissioned",
        apply: decommission_everything,
    },
];

/// Adds a nullable column, of the type of the dataset's last column, to the
/// first dataset that a workspace reads.
pub fn add_nullable_column(eco: &mut Ecosystem) -> bool {
    let Some(sink) = eco
        .workspaces()
        .flat_map(|(_, _, ws)| ws.sinks().map(|(_, s)| s.clone()))
        .next()
    else {
        return false;
    };
    let holds = |t: &datasurface_core::Team| {
        t.datastores
            .get(&sink.datastore)
            .is_some_and(|s| s.datasets.contains_key(&sink.dataset))
    };
    let Some(team) = eco.teams_mut_where(holds).next() else {
        return false;
    };
    let Some(dataset) = team
        .datastores
        .get_mut(&sink.datastore)
        .and_then(|s| s.datasets.get_mut(&sink.dataset))
    else {
        return false;
    };
    let Some(last) = dataset.schema.columns.values().last() else {
        return false;
    };
    let column = Column {
        nullable: true,
        ..Column::new(last.data_type.clone())
    };
    let Ok(name) = "added_column".parse() else {
        return false;
    };
    dataset.schema.columns.insert(name, column);
    true
}

/// The first consumer workspace: one with an assigned dataset group.
fn first_assigned(eco: &Ecosystem) -> Option<WorkspaceName> {
    eco.assignments
        .iter()
        .find(|a| a.platforms.iter().any(PlatformAssignment::is_live))
        .map(|a| a.workspace.clone())
}

/// Adds a copy of the first consumer workspace under a new name, assigned as it is.
pub fn add_consumer(eco: &mut Ecosystem) -> bool {
    let Some(original) = first_assigned(eco) else {
        return false;
    };
    let Ok(copy) = format!("{original}_copy").parse::<WorkspaceName>() else {
        return false;
    };
    let mut added = false;
    for team in eco.teams_mut_where(|t| t.workspaces.contains_key(&original)) {
        if let Some(ws) = team.workspaces.get(&original).cloned() {
            team.workspaces.insert(copy.clone(), ws);
            added = true;
        }
    }
    let assignments: Vec<_> = eco
        .assignments
        .iter()
        .filter(|a| a.workspace == original)
        .cloned()
        .map(|mut a| {
            a.workspace = copy.clone();
            a
        })
        .collect();
    eco.assignments.extend(assignments);
    added
}

/// Removes the last consumer workspace and its assignments.
pub fn remove_consumer(eco: &mut Ecosystem) -> bool {
    let Some(last) = eco
        .assignments
        .iter()
        .rev()
        .find(|a| a.platforms.iter().any(PlatformAssignment::is_live))
        .map(|a| a.workspace.clone())
    else {
        return false;
    };
    eco.assignments.retain(|a| a.workspace != last);
    for team in eco.teams_mut_where(|t| t.workspaces.contains_key(&last)) {
        team.workspaces.shift_remove(&last);
    }
    true
}

fn first_consumer_mut(eco: &mut Ecosystem) -> Option<&mut Workspace> {
    let name = first_assigned(eco)?;
    eco.teams_mut_where(|t| t.workspaces.contains_key(&name))
        .find_map(|t| t.workspaces.get_mut(&name))
}

/// Switches the first consumer's groups between live and forensic milestoning.
pub fn change_milestoning(eco: &mut Ecosystem) -> bool {
    let Some(ws) = first_consumer_mut(eco) else {
        return false;
    };
    let mut changed = false;
    for group in ws.dataset_groups.values_mut() {
        if let Some(r) = group.requirements.as_mut() {
            r.milestoning = match r.milestoning {
                Milestoning::LiveOnly => Milestoning::Forensic,
                Milestoning::Forensic | Milestoning::LiveWithForensicHistory => {
                    Milestoning::LiveOnly
                }
            };
            changed = true;
        }
    }
    changed
}

/// Removes the last sink of the first consumer's first group, if it has two or more.
pub fn remove_sink(eco: &mut Ecosystem) -> bool {
    let Some(ws) = first_consumer_mut(eco) else {
        return false;
    };
    ws.dataset_groups
        .values_mut()
        .find(|g| g.sinks.len() > 1)
        .and_then(|g| g.sinks.pop())
        .is_some()
}

/// Decommissions every assignment: the platforms have nothing left to deliver.
pub fn decommission_everything(eco: &mut Ecosystem) -> bool {
    let mut changed = false;
    for a in &mut eco.assignments {
        for p in &mut a.platforms {
            if p.is_live() {
                p.status = AssignmentStatus::Decommissioned;
                changed = true;
            }
        }
    }
    changed
}

/// The model with every map and list whose order carries no meaning reversed:
/// vendors, platforms, zones, teams, containers, datastores, datasets,
/// workspaces, groups, sinks, a SQL transformer's queries and assignments
/// (columns keep their order).
pub fn reversed(eco: &Ecosystem) -> Ecosystem {
    let mut eco = eco.clone();
    eco.vendors.reverse();
    eco.platforms.reverse();
    eco.zone_declarations.reverse();
    eco.zones.reverse();
    eco.assignments.reverse();
    eco.primary_ingestion_platforms.reverse();
    for zone in eco.zones.values_mut() {
        zone.team_declarations.reverse();
        zone.teams.reverse();
        for team in zone.teams.values_mut().map(std::sync::Arc::make_mut) {
            team.containers.reverse();
            team.datastores.reverse();
            for store in team.datastores.values_mut() {
                store.datasets.reverse();
            }
            team.workspaces.reverse();
            for ws in team.workspaces.values_mut() {
                ws.dataset_groups.reverse();
                for group in ws.dataset_groups.values_mut() {
                    group.sinks.reverse();
                }
                if let Some(transformer) = &mut ws.transformer
                    && let datasurface_core::CodeArtifact::Sql(sql) = &mut transformer.code
                {
                    sql.queries.reverse();
                }
            }
        }
    }
    eco
}

/// The model with every SQL transformer given a second input and a second
/// query: its first query again, into a copy of its output dataset, and the
/// other dataset of its first input's store as another sink. So the
/// suite's order checks see transformers with several of each, whose
/// order a platform might otherwise keep.
pub fn widened(eco: &Ecosystem) -> Ecosystem {
    let mut wide = eco.clone();
    // Each SQL transformer's workspace, its second sink, and its copied
    // query's output, found on the model before it changes.
    let mut plans = Vec::new();
    for (at, ws_name, ws) in eco.workspaces() {
        let team_name = at.team;
        let Some(transformer) = &ws.transformer else {
            continue;
        };
        let datasurface_core::CodeArtifact::Sql(sql) = &transformer.code else {
            continue;
        };
        let Some((output, query)) = sql.queries.first() else {
            continue;
        };
        let second_sink = ws.dataset_groups.values().find_map(|group| {
            let first = group.sinks.first()?;
            let (_, store) = eco.datastore(&first.datastore)?;
            let other = store
                .datasets
                .keys()
                .find(|d| **d != first.dataset && !group.sinks.iter().any(|s| s.dataset == **d))?;
            Some(DatasetSink::new(first.datastore.clone(), other.clone()))
        });
        let Ok(copy) = format!("{output}_wide").parse::<DatasetName>() else {
            continue;
        };
        plans.push((
            team_name.clone(),
            ws_name.clone(),
            transformer.output_datastore.clone(),
            output.clone(),
            copy,
            query.clone(),
            second_sink,
        ));
    }
    for (team_name, ws_name, store_name, output, copy, query, sink) in plans {
        for zone in wide.zones.values_mut() {
            let Some(team) = zone.teams.get_mut(&team_name).map(std::sync::Arc::make_mut) else {
                continue;
            };
            if let Some(store) = team.datastores.get_mut(&store_name)
                && let Some(dataset) = store.datasets.get(&output).cloned()
            {
                store.datasets.insert(copy.clone(), dataset);
            }
            if let Some(ws) = team.workspaces.get_mut(&ws_name) {
                if let Some(transformer) = &mut ws.transformer
                    && let datasurface_core::CodeArtifact::Sql(sql) = &mut transformer.code
                {
                    sql.queries.insert(copy.clone(), query.clone());
                }
                if let (Some(sink), Some(group)) = (&sink, ws.dataset_groups.values_mut().next()) {
                    group.sinks.push(sink.clone());
                }
            }
        }
    }
    wide
}
