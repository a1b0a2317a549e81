//! Diagnostic: unconfined-path
//!
//! A file drop reads each dataset's file from its container's folder. A
//! file name that climbs out of the folder (`..`), starts at the root or a
//! home directory, or uses `\` or a drive would make the platform read a
//! file the container's owner never offered: another team's drop, or
//! anything on the machine. A path into a sub-folder, a hidden file or a
//! wildcard is refused too, by the same function every platform asks before
//! it reads ([`drop_file_name`]): what a platform would refuse when the
//! batch runs, `check` refuses first.

use super::prelude::*;
use datasurface_core::resources::{NotAFileName, drop_file_name, drop_files_in};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unconfined-path",
        Severity::Error,
        "A file drop names a file outside its folder.",
        "A file drop's `files` name one file each in its container's folder: no `..`, no leading `/`, \
                  `~` or `.`, no `/`, `\\` or drive, no wildcard (`*?[]{}`) and no control character. Every \
                  platform reads a drop file by that name and refuses any other, so `check` refuses it first. \
                  Put the file in the folder, or ask the folder's owner to map another folder for the container.",
    )
    .with_example(
        &[
        (
            "kind: {database: {engine: POSTGRES, database: sales}}",
            "kind: {objectStorage: {bucket: sales}}",
        ),
        (
            "method: {sqlSnapshot: {}}",
            "method: {fileDrop: {files: {orders: ../../other-team/orders.csv, customers: customers.csv}}}",
        ),
    ],
        "model.yaml:43:45: error[unconfined-path]: datastore `Orders` reads `../../other-team/orders.csv`, which is not inside its drop folder
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/method/fileDrop/files/orders
  help: name one file of the folder itself, by its whole name (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for drop in drop_files_in(cx.eco, cx.inventory()) {
        let Err(why) = drop_file_name(&drop.file) else {
            continue;
        };
        let said = match why {
            NotAFileName::Outside => "which is not inside its drop folder".to_owned(),
            other => format!("which is not one file's name in its drop folder: {other}"),
        };
        out.report(
            drop.path.clone(),
            format!("{} reads `{}`, {said}", drop.describe(), drop.file),
            "name one file of the folder itself, by its whole name",
        );
    }
}
