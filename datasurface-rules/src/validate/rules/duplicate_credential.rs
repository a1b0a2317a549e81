//! Diagnostic: duplicate-credential
//!
//! A credential's name is its address in the secret store, so it has one
//! owner: the one that declares it under `credentials`, or, undeclared, the
//! one team that uses it. Two declarations of a name, or two teams using a
//! name nobody declares, leave it with no owner; the secret would go to
//! whichever team asked last.

use super::prelude::*;
use datasurface_core::resources::CredentialVerdict;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "duplicate-credential",
        Severity::Error,
        "A credential is declared by two owners, or used by two teams and declared by none.",
        "A credential's name is where the secret store keeps it, so one owner must hold it. Its owner \
                  declares it under `credentials` in its own document (the ecosystem's, a zone's or a team's) and \
                  grants it to the other teams that need it (`grants: [{team: <team>}]`); or each team uses a \
                  credential of its own name. See docs/security.md.",
    )
    .with_example(
        &[
        (
            "      Reporting:\n        containers:\n",
            "      Reporting:\n        credentials:\n          sales_reader: {}\n        containers:\n",
        ),
        (
            "      Sales:\n        containers:\n",
            "      Sales:\n        credentials:\n          sales_reader: {}\n        containers:\n",
        ),
    ],
        "model.yaml:64:11: error[duplicate-credential]: credential `sales_reader` is also declared by team `Sales` of zone `USA`
  at: /zones/USA/teams/Reporting/credentials/sales_reader
  help: keep one declaration, by the credential's owner, and grant it to the others (in github:acme/reporting@main)
model.yaml:31:11: error[duplicate-credential]: credential `sales_reader` is also declared by team `Reporting` of zone `USA`
  at: /zones/USA/teams/Sales/credentials/sales_reader
  help: keep one declaration, by the credential's owner, and grant it to the others (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let credentials = cx.credentials();
    for (name, declared) in &credentials.declared {
        if declared.len() < 2 {
            continue;
        }
        for (i, d) in declared.iter().enumerate() {
            let others: Vec<String> = declared
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| o.owner.to_string())
                .collect();
            out.report(
                d.path(name),
                format!(
                    "credential `{name}` is also declared by {}",
                    others.join(", ")
                ),
                "keep one declaration, by the credential's owner, and grant it to the others",
            );
        }
    }
    for used in &credentials.uses {
        if credentials.declared.contains_key(&used.name) {
            continue;
        }
        if let CredentialVerdict::NoSingleOwner = credentials.verdict(used) {
            let others: Vec<String> = credentials
                .users(&used.name)
                .iter()
                .filter(|(_, t)| *t != used.team)
                .map(|(_, t)| format!("team `{t}`"))
                .collect();
            out.report(
                used.path(),
                format!(
                    "{} names credential `{}`, which nobody declares and {} also names",
                    used.describe(),
                    used.name,
                    others.join(", ")
                ),
                format!(
                    "the credential's owner declares it (`credentials: {{{}: {{grants: [{{team: <team>}}]}}}}` in its document) and grants it to the others; or use a credential of your own name",
                    used.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::case;

    #[test]
    fn two_teams_use_an_undeclared_credential() {
        insta::assert_snapshot!(case(&super::RULE, &[
            ("        datastores:\n          Customer_Totals:",
             "        datastores:\n          Copy:\n            capture:\n              ingestion: {container: Warehouse, consistency: MULTI_DATASET, credential: {name: sales_reader, type: USER_PASSWORD}, method: {sqlSnapshot: {}}}\n            datasets:\n              x:\n                classifications: [PUB]\n                schema: {columns: {a: {type: Integer, nullable: false}}, primaryKey: [a]}\n          Customer_Totals:"),
        ]), @"
        model.yaml:68:90: error[duplicate-credential]: the capture of datastore `Copy` names credential `sales_reader`, which nobody declares and team `Sales` also names
          at: /zones/USA/teams/Reporting/datastores/Copy/capture/ingestion/credential/name
          help: the credential's owner declares it (`credentials: {sales_reader: {grants: [{team: <team>}]}}` in its document) and grants it to the others; or use a credential of your own name (in github:acme/reporting@main)
        model.yaml:42:30: error[duplicate-credential]: the capture of datastore `Orders` names credential `sales_reader`, which nobody declares and team `Reporting` also names
          at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/credential/name
          help: the credential's owner declares it (`credentials: {sales_reader: {grants: [{team: <team>}]}}` in its document) and grants it to the others; or use a credential of your own name (in github:acme/sales@main)
        ");
    }
}
