#!/usr/bin/env sh
# Installs the `datasurface` command from a release: no Rust toolchain, one
# download and its checksum.
#
#   curl -sSfL https://github.com/datasurface/datasurface-rs/releases/latest/download/install.sh -o install.sh && sh install.sh
#
# (saved, then run: piped to `sh`, a failed download would run nothing and
# report success)
#
# Settings, all optional, from the environment:
#   DATASURFACE_VERSION       a release such as 0.1.0 (default: the latest)
#   DATASURFACE_INSTALL_DIR   where the binary goes (default: ~/.local/bin)
#   DATASURFACE_TARGET        the build to fetch, such as
#                             x86_64-unknown-linux-gnu (default: this machine's;
#                             on Linux the static musl build)
#   DATASURFACE_DOWNLOAD_URL  where the release's files are (default: its
#                             GitHub release page); a mirror, or a file server
set -eu

say() { printf 'datasurface install: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }

repo="https://github.com/datasurface/datasurface-rs"
version="${DATASURFACE_VERSION:-}"
dir="${DATASURFACE_INSTALL_DIR:-$HOME/.local/bin}"

target="${DATASURFACE_TARGET:-}"
if [ -z "$target" ]; then
    case "$(uname -m)" in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) fail "no release build for a $(uname -m) processor; build from source: cargo install --locked datasurface-cli" ;;
    esac
    case "$(uname -s)" in
        Linux) target="$arch-unknown-linux-musl" ;;
        Darwin) target="$arch-apple-darwin" ;;
        MINGW* | MSYS* | CYGWIN*) fail "on Windows, download datasurface-x86_64-pc-windows-msvc.zip from $repo/releases and put datasurface.exe on your PATH" ;;
        *) fail "no release build for $(uname -s); build from source: cargo install --locked datasurface-cli" ;;
    esac
fi

if [ -n "${DATASURFACE_DOWNLOAD_URL:-}" ]; then
    base="${DATASURFACE_DOWNLOAD_URL%/}"
elif [ -n "$version" ]; then
    base="$repo/releases/download/v${version#v}"
else
    base="$repo/releases/latest/download"
fi

archive="datasurface-$target.tar.gz"
fetch() {
    if command -v curl >/dev/null 2>&1; then
        curl --proto '=https,http' -sSfL "$1" -o "$2"
    elif command -v wget >/dev/null 2>&1; then
        wget -q "$1" -O "$2"
    else
        fail "neither curl nor wget is installed"
    fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say "fetching $base/$archive"
fetch "$base/$archive" "$work/$archive" || fail "cannot download $base/$archive"
fetch "$base/$archive.sha256" "$work/$archive.sha256" || fail "cannot download its checksum, $base/$archive.sha256"

expected="$(cut -d ' ' -f 1 < "$work/$archive.sha256")"
if command -v sha256sum >/dev/null 2>&1; then
    actual="$(sha256sum "$work/$archive" | cut -d ' ' -f 1)"
elif command -v shasum >/dev/null 2>&1; then
    actual="$(shasum -a 256 "$work/$archive" | cut -d ' ' -f 1)"
else
    fail "neither sha256sum nor shasum is installed, so the download cannot be checked"
fi
[ "$expected" = "$actual" ] || fail "the download's SHA-256 is $actual, but the release says $expected; nothing was installed"

tar -C "$work" -xzf "$work/$archive"
mkdir -p "$dir"
# Into place by rename, so a running `datasurface` is never half-written.
cp "$work/datasurface-$target/datasurface" "$dir/.datasurface.new"
chmod 755 "$dir/.datasurface.new"
mv -f "$dir/.datasurface.new" "$dir/datasurface"
say "installed $("$dir/datasurface" --version) to $dir/datasurface"
case ":$PATH:" in
    *":$dir:"*) ;;
    *) say "$dir is not on your PATH; add it: export PATH=\"$dir:\$PATH\"" ;;
esac
