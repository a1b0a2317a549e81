//! Proptest strategies for valid ecosystems.

use datasurface_core::Ecosystem;
use proptest::prelude::*;

use datasurface_generate::Palette;
use datasurface_generate::{PlatformSpec, Shape, generate};

/// Small shapes: up to two zones, four stores of three datasets of five columns,
/// four consumers and three transformers, with any seed.
pub fn small_shapes() -> impl Strategy<Value = Shape> {
    (
        1usize..=2,
        1usize..=4,
        1usize..=3,
        1usize..=5,
        1usize..=4,
        1usize..=3,
        0usize..=3,
        any::<u64>(),
    )
        .prop_map(
            |(
                zones,
                stores,
                datasets_per_store,
                columns,
                workspaces,
                sinks,
                transformers,
                seed,
            )| {
                Shape {
                    zones,
                    stores,
                    datasets_per_store,
                    columns,
                    workspaces: workspaces.max(transformers),
                    sinks_per_group: sinks,
                    transformers,
                    seed,
                }
            },
        )
}

/// Valid ecosystems of small shapes that use the palette and declare the platforms.
///
/// The generator never produces an invalid model for a usable palette; shapes
/// the palette cannot fill (no transformer code kinds, say) are skipped.
pub fn valid_ecosystems(
    palette: Palette,
    platforms: Vec<PlatformSpec>,
) -> impl Strategy<Value = Ecosystem> {
    small_shapes().prop_filter_map("the palette cannot fill this shape", move |shape| {
        generate(&shape, &palette, &platforms).ok()
    })
}

/// Pairs of valid ecosystems: half are independent, half are one shape and
/// seed grown or shrunk, so that most of the model is shared, as between two
/// versions of a real one.
pub fn ecosystem_pairs(
    palette: Palette,
    platforms: Vec<PlatformSpec>,
) -> impl Strategy<Value = (Ecosystem, Ecosystem)> {
    (
        small_shapes(),
        small_shapes(),
        any::<bool>(),
        -1isize..=1,
        -1isize..=1,
    )
        .prop_filter_map(
            "the palette cannot fill this shape",
            move |(a, b, related, stores, workspaces)| {
                let b = if related {
                    let grow = |n: usize, by: isize| n.saturating_add_signed(by).max(1);
                    let mut b = a;
                    b.stores = grow(a.stores, stores);
                    b.workspaces = grow(a.workspaces, workspaces).max(b.transformers);
                    b
                } else {
                    b
                };
                Some((
                    generate(&a, &palette, &platforms).ok()?,
                    generate(&b, &palette, &platforms).ok()?,
                ))
            },
        )
}
