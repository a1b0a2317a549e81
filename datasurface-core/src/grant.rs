//! Grants: how the owner of a runtime resource lets another team use it.
//!
//! A model names resources that live outside it: data containers,
//! credentials in a secret store, files under the model's directory. Each
//! has an owner (a team, a zone, the ecosystem or a platform), and a model
//! element may use one only when its own team is the owner, or when the
//! owner grants it, in the owner's own region (`docs/security.md`). A grant
//! is therefore a change only the owner's repository can make.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Documentation;
use crate::names::{TeamName, ZoneName};

/// Who a grant lets use a resource: one team (team names are unique across
/// the ecosystem) or every team of a zone.
///
/// ```yaml
/// grants:
///   - team: Reporting
///   - zone: EU
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Grantee {
    /// One team, in whichever zone it is.
    Team(TeamName),
    /// Every team of a zone.
    Zone(ZoneName),
}

impl Grantee {
    /// Whether the grant covers team `team` of zone `zone`.
    pub fn covers(&self, zone: &ZoneName, team: &TeamName) -> bool {
        match self {
            Grantee::Team(t) => t == team,
            Grantee::Zone(z) => z == zone,
        }
    }
}

impl std::fmt::Display for Grantee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Grantee::Team(t) => write!(f, "team `{t}`"),
            Grantee::Zone(z) => write!(f, "zone `{z}`"),
        }
    }
}

/// Whether any of `grants` covers team `team` of zone `zone`.
pub fn granted(grants: &[Grantee], zone: &ZoneName, team: &TeamName) -> bool {
    grants.iter().any(|g| g.covers(zone, team))
}

/// A credential its owner declares: the ecosystem, a zone or a team, in its
/// own document under `credentials`. Declaring a credential makes the
/// declarer its owner; the secret itself stays in the platform's secret
/// store, under the credential's name.
///
/// ```yaml
/// credentials:
///   sales_reader:
///     grants: [{team: Reporting}]
///     documentation: {description: Read-only login to the sales database.}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialDeclaration {
    /// Who else may name it: teams, or every team of a zone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grantee>,
    /// What it is for, and who provisions it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_covers_its_team_or_every_team_of_its_zone() {
        let (eu, usa) = (ZoneName::new("EU").unwrap(), ZoneName::new("USA").unwrap());
        let (sales, ops) = (
            TeamName::new("Sales").unwrap(),
            TeamName::new("Ops").unwrap(),
        );
        let grants = [Grantee::Team(sales.clone()), Grantee::Zone(eu.clone())];
        assert!(granted(&grants, &usa, &sales));
        assert!(granted(&grants, &eu, &ops));
        assert!(!granted(&grants, &usa, &ops));
        assert!(!granted(&[], &usa, &sales));
    }
}
