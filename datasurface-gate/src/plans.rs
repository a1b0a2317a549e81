//! What a change would do to each platform: the plan from the base
//! model's rendering to the proposed one's, for a pull request's reviewer
//! ([`Gate::with_plans`](crate::Gate::with_plans)).

use datasurface_core::Ecosystem;
use datasurface_platform::graph::build;
use datasurface_platform::{Plan, PlatformRegistry, RenderFailure, Rendering, render_with};
use datasurface_rules::validate::{ValidEcosystem, try_validate};

/// One platform's plan for a change.
#[derive(Debug)]
pub struct PlatformPlan {
    /// The platform's name in the proposed model.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The steps from the base model's rendering to the proposed one's
    /// (from nothing when the base has no such platform, or no valid
    /// rendering), or why the proposed model could not be rendered.
    pub plan: Result<Plan, RenderFailure>,
    /// What was decided for it, when something decides (`advance`: it
    /// advances, waits for its cadence, or is current, and why).
    pub decision: Option<String>,
}

/// Each platform of `proposed` whose kind `registry` knows: the plan from
/// `base`'s rendering of it (nothing, if the base has none) to
/// `proposed`'s. Renders both models: for pull requests, not for every
/// check.
pub(crate) fn plans(
    registry: &PlatformRegistry,
    base: Option<Ecosystem>,
    proposed: &ValidEcosystem,
) -> Vec<PlatformPlan> {
    let base = base.and_then(|b| try_validate(b).ok());
    let graphs = build(proposed);
    let base_graphs = base.as_ref().map(build);
    proposed
        .platforms
        .iter()
        .filter_map(|(name, declaration)| {
            let kind = declaration.kind.as_str();
            let platform = registry.get(kind)?;
            let previous = match (&base, &base_graphs) {
                (Some(b), Some(g)) if b.platforms.contains_key(name) => {
                    render_with(platform.as_ref(), b, g, name)
                        .map(|r| r.rendering)
                        .unwrap_or_default()
                }
                _ => Rendering::default(),
            };
            let plan = render_with(platform.as_ref(), proposed, &graphs, name)
                .map(|next| platform.diff(&previous, &next.rendering));
            Some(PlatformPlan {
                name: name.to_string(),
                kind: kind.to_owned(),
                plan,
                decision: None,
            })
        })
        .collect()
}
