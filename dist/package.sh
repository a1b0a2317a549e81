#!/usr/bin/env sh
# Packs a built `datasurface` binary the way releases ship it, so the release
# workflow and CI's test of the installer make the same archive:
#
#   dist/package.sh TARGET BINARY OUT_DIR
#
# writes OUT_DIR/datasurface-TARGET.tar.gz (.zip for Windows
# targets), holding `datasurface` (or `datasurface.exe`), README.md,
# CHANGELOG.md and the licence files when present, and beside it a `.sha256` file in
# `sha256sum` format. Prints the archive's path. The name carries no version,
# so `releases/latest/download/datasurface-TARGET.tar.gz` is always the
# newest; the version is the release's tag, and `datasurface --version`.
set -eu

if [ "$#" -ne 3 ]; then
    echo "usage: dist/package.sh TARGET BINARY OUT_DIR" >&2
    exit 2
fi
target="$1"
binary="$2"
out="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"

name="datasurface-$target"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
case "$target" in
    *windows*) exe="datasurface.exe" ;;
    *) exe="datasurface" ;;
esac
cp "$binary" "$stage/$name/$exe"
chmod 755 "$stage/$name/$exe"
for doc in README.md CHANGELOG.md LICENSE LICENSE-MIT LICENSE-APACHE; do
    if [ -f "$root/$doc" ]; then
        cp "$root/$doc" "$stage/$name/"
    fi
done

out="$(cd "$out" && pwd)"
case "$target" in
    *windows*)
        archive="$name.zip"
        (cd "$stage" && zip -qr "$out/$archive" "$name")
        ;;
    *)
        archive="$name.tar.gz"
        tar -C "$stage" -czf "$out/$archive" "$name"
        ;;
esac
if command -v sha256sum >/dev/null 2>&1; then
    (cd "$out" && sha256sum "$archive" > "$archive.sha256")
else
    (cd "$out" && shasum -a 256 "$archive" > "$archive.sha256")
fi
echo "$out/$archive"
