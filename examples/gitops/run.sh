#!/usr/bin/env bash
# The GitOps flow of docs/gitops.md, worked end to end on the Northwind
# example: a model repository, a renderings repository that Terraform, Argo
# or a platform's applier would watch, and the one scheduled job that moves
# each platform to the model when its cadence allows.
#
#   examples/gitops/run.sh [WORK_DIR]
#
# Uses the `datasurface` on PATH, or builds it from this repository (into
# cargo's target directory, `CARGO_TARGET_DIR` included); needs git.
# Everything happens in WORK_DIR (default: a new temporary directory), which
# is left for you to look at.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v datasurface >/dev/null 2>&1; then
    root="$(cd "$here/../.." && pwd)"
    cargo build --quiet --locked --manifest-path "$root/Cargo.toml" -p datasurface-cli
    target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    PATH="$target_dir/debug:$PATH"
fi
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cd "$work"
git_() { git -c user.email=gitops@example.com -c user.name="GitOps job" "$@"; }
say() { printf '\n### %s\n' "$*"; }

say "The model repository: Northwind, whose production platform advances at weekends"
rm -rf model renderings
mkdir model
cp -R "$here/../models/northwind/." model/
git_ -C model init -q -b main
git_ -C model add -A
git_ -C model commit -q -m "Northwind"
grep -n "cadence" model/ecosystem.yaml

say "The renderings repository: every platform rendered once, from the model's commit"
git_ init -q -b main renderings
datasurface render model --all --out renderings
git_ -C renderings add -A
git_ -C renderings commit -q -m "Render model $(git -C model rev-parse --short HEAD)"
cat "renderings/Azure%20Platform/source.json"

say "A team adds a column on Tuesday; the job runs (from cron, every few minutes)"
sed -i.bak 's/^            phone: {type: {NVarChar: {maxSize: 24}}}$/&\n            fax: {type: {NVarChar: {maxSize: 24}}}/' model/zones/usa/teams/northwindteam.yaml
rm model/zones/usa/teams/northwindteam.yaml.bak
git_ -C model commit -q -am "Suppliers' fax numbers"
datasurface advance model --out renderings --now 2026-11-24T10:00:00Z
git_ -C renderings add -A
git_ -C renderings commit -q -m "Advance to model $(git -C model rev-parse --short HEAD)"
git -C renderings show --stat --format='%s' HEAD

say "Friday night, inside the production window: the Azure platform moves"
datasurface advance model --out renderings --now 2026-11-27T22:30:00Z --dry-run
datasurface advance model --out renderings --now 2026-11-27T22:30:00Z
git_ -C renderings add -A
git_ -C renderings commit -q -m "Advance to model $(git -C model rev-parse --short HEAD)"
git -C renderings show --stat --format='%s' HEAD

say "Saturday: every platform is on the model's commit"
datasurface advance model --out renderings --now 2026-11-28T09:00:00Z --format json |
    python3 -c 'import json, sys; d = json.load(sys.stdin); print("\n".join(p["platform"] + ": " + p["decision"] for p in d["platforms"]))'
git -C renderings log --format='%h %s'
echo
echo "The repositories are in $work"
