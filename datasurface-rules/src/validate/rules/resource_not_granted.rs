//! Diagnostic: resource-not-granted
//!
//! A model names resources that live outside it, and each has an owner
//! (docs/security.md): a data container is its team's, a credential its
//! declarer's (or, undeclared, its one user's), a file the team's whose
//! element names it. A team's element may use one only when the team owns
//! it or the owner grants it, in the owner's own document; so nothing a team
//! writes in its own document reaches another team's source, credential or
//! files.

use super::prelude::*;
use datasurface_core::grant::granted;
use datasurface_core::resources::{
    CredentialVerdict, FileClaim, Owner, file_claims_in, overlapping,
};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "resource-not-granted",
        Severity::Error,
        "A team's element uses a data container, credential or file that another owner has not granted it.",
        "Each runtime resource the model names has an owner: a container the team that defines it, a \
                  credential whoever declares it under `credentials` (the ecosystem, a zone or a team; undeclared, the \
                  one team that uses it), a file the team whose container, hook or Avro schema names it. Another team may use it \
                  only when the owner grants it, in the owner's own document: `grants: [{team: <team>}]` (or \
                  `{zone: <zone>}`) on the container or the credential's declaration. Ask the owner's repository for \
                  the grant, or use a resource of your own. See docs/security.md.",
    )
    .with_example(
        &[(
        "            container: Warehouse\n            productionStatus: PRODUCTION\n            priority: HIGH\n",
        "            container: Sales DB\n            productionStatus: PRODUCTION\n            priority: HIGH\n",
    )],
        "model.yaml:96:13: error[resource-not-granted]: workspace `Dashboard` uses data container `Sales DB` of team `Sales` of zone `USA`, which has not granted it to team `Reporting`
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/container
  help: ask team `Sales` of zone `USA` (github:acme/sales@main) to add `grants: [{team: Reporting}]` to container `Sales DB` in its document, or use one of your own (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    containers(cx, out);
    credentials(cx, out);
    files(cx, out);
}

/// The help of a refusal: who to ask, in which repository, for what.
fn ask(
    cx: &Context<'_>,
    owner: Owner<'_>,
    grant_at: &str,
    team: &datasurface_core::names::TeamName,
) -> String {
    format!(
        "ask {owner} ({}) to add `grants: [{{team: {team}}}]` to {grant_at} in its document, or use one of your own",
        owner.repository(cx.eco)
    )
}

fn containers(cx: &Context<'_>, out: &mut Findings) {
    for used in cx.container_uses() {
        let Some(owner) = cx.index.container(&used.container) else {
            continue; // unknown-container or duplicate-container says so
        };
        let (zone, team) = used.team();
        if owner.team == team || granted(&owner.item.grants, zone, team) {
            continue;
        }
        let owner = Owner::Team {
            zone: owner.zone,
            team: owner.team,
        };
        let name = &used.container;
        out.report(
            used.path(),
            format!(
                "{} uses data container `{name}` of {owner}, which has not granted it to team `{team}`",
                used.describe()
            ),
            ask(cx, owner, &format!("container `{name}`"), team),
        );
    }
}

fn credentials(cx: &Context<'_>, out: &mut Findings) {
    let credentials = cx.credentials();
    for used in &credentials.uses {
        if let CredentialVerdict::NotGranted(owner) = credentials.verdict(used) {
            out.report(
                used.path(),
                format!(
                    "{} names credential `{}`, which {owner} owns and has not granted to team `{}`",
                    used.describe(),
                    used.name,
                    used.team
                ),
                ask(
                    cx,
                    owner,
                    &format!("`credentials: {}`", used.name),
                    used.team,
                ),
            );
        }
    }
}

fn files(cx: &Context<'_>, out: &mut Findings) {
    let claims = file_claims_in(cx.eco, cx.inventory());
    for (i, j) in overlapping(&claims) {
        refuse(cx, &claims[j], &claims[i], out);
        refuse(cx, &claims[i], &claims[j], out);
    }
}

/// Reports `user`'s claim when `owner`'s names the same file, a folder
/// around it or a file inside it, and does not let `user`'s team name it.
fn refuse(cx: &Context<'_>, user: &FileClaim<'_>, owner: &FileClaim<'_>, out: &mut Findings) {
    if let Some((path, message, help)) =
        datasurface_core::resources::file_refusal(cx.eco, user, owner)
    {
        out.report(path, message, help);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::case;

    #[test]
    fn a_granted_container_is_allowed() {
        insta::assert_snapshot!(case(&super::RULE, &[
            ("            container: Warehouse\n            productionStatus: PRODUCTION\n            priority: HIGH\n",
             "            container: Sales DB\n            productionStatus: PRODUCTION\n            priority: HIGH\n"),
            ("            locations: [AWS:USA/us-east-1]\n        datastores:\n          Orders:",
             "            locations: [AWS:USA/us-east-1]\n            grants: [{team: Reporting}]\n        datastores:\n          Orders:"),
        ]), @"");
    }

    #[test]
    fn another_teams_credential() {
        insta::assert_snapshot!(case(&super::RULE, &[
            ("      Reporting:\n        containers:\n",
             "      Reporting:\n        credentials:\n          reporting_reader: {}\n        containers:\n"),
            ("credential: {name: sales_reader,", "credential: {name: reporting_reader,"),
        ]), @"
        model.yaml:42:30: error[resource-not-granted]: the capture of datastore `Orders` names credential `reporting_reader`, which team `Reporting` of zone `USA` owns and has not granted to team `Sales`
          at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/credential/name
          help: ask team `Reporting` of zone `USA` (github:acme/reporting@main) to add `grants: [{team: Sales}]` to `credentials: reporting_reader` in its document, or use one of your own (in github:acme/sales@main)
        ");
    }

    #[test]
    fn a_zone_grant_covers_its_teams() {
        insta::assert_snapshot!(case(&super::RULE, &[
            ("      Reporting:\n        containers:\n",
             "      Reporting:\n        credentials:\n          reporting_reader: {grants: [{zone: USA}]}\n        containers:\n"),
            ("credential: {name: sales_reader,", "credential: {name: reporting_reader,"),
        ]), @"");
    }

    #[test]
    fn another_teams_sqlite_file() {
        insta::assert_snapshot!(case(&super::RULE, &[
            ("kind: {database: {engine: POSTGRES, database: sales}}", "kind: {database: {engine: SQLITE, database: data/sales.sqlite}}"),
            ("kind: {database: {engine: POSTGRES, database: warehouse}}", "kind: {database: {engine: SQLITE, database: ./Data/Sales.sqlite}}"),
        ]), @"
        model.yaml:63:47: error[resource-not-granted]: container `Warehouse` names `./Data/Sales.sqlite`, the same file as `data/sales.sqlite`, which belongs to team `Sales` of zone `USA` (container `Sales DB`)
          at: /zones/USA/teams/Reporting/containers/Warehouse/kind/database/database
          help: name a file of your own, or ask team `Sales` of zone `USA` (github:acme/sales@main) to add `grants: [{team: Reporting}]` to container `Sales DB` (in github:acme/reporting@main)
        model.yaml:32:47: error[resource-not-granted]: container `Sales DB` names `data/sales.sqlite`, the same file as `./Data/Sales.sqlite`, which belongs to team `Reporting` of zone `USA` (container `Warehouse`)
          at: /zones/USA/teams/Sales/containers/Sales DB/kind/database/database
          help: name a file of your own, or ask team `Reporting` of zone `USA` (github:acme/reporting@main) to add `grants: [{team: Sales}]` to container `Warehouse` (in github:acme/sales@main)
        ");
    }

    /// A dataset's Avro schema file is its team's, as a hook module is.
    #[test]
    fn another_teams_file_as_an_avro_schema() {
        insta::assert_snapshot!(case(&super::RULE, &[
            ("                  primaryKey: [order_id]\n",
             "                  primaryKey: [order_id]\n                  avro: {file: {path: hooks/totals.wasm, sha256: 0000000000000000000000000000000000000000000000000000000000000000}}\n"),
        ]), @"
        model.yaml:93:15: error[resource-not-granted]: the hook of workspace `Totals` names `hooks/totals.wasm`, the same file as `hooks/totals.wasm`, which belongs to team `Sales` of zone `USA` (the Avro schema of dataset `Orders.orders`)
          at: /zones/USA/teams/Reporting/workspaces/Totals/hook/module
          help: name a file of your own (a copy, pinned by its own digest): Avro schema files are not shared (in github:acme/reporting@main)
        model.yaml:53:33: error[resource-not-granted]: the Avro schema of dataset `Orders.orders` names `hooks/totals.wasm`, the same file as `hooks/totals.wasm`, which belongs to team `Reporting` of zone `USA` (the hook of workspace `Totals`)
          at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/avro/file/path
          help: name a file of your own: hook modules are not shared (in github:acme/sales@main)
        ");
    }
}
