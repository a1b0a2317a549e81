#!/usr/bin/env bash
# The binary route of the README, tested on a built binary: pack it as a
# release is packed (dist/package.sh), serve the release's files from a
# loopback web server, install with dist/install.sh in an environment with
# no Rust toolchain on PATH, and get to `up`'s output with what it installed.
# A release whose checksum does not match is refused and installs nothing.
# Given the static (musl) build too, it installs that one the way a Linux
# user gets it by default (no DATASURFACE_TARGET: install.sh picks the musl
# build for this machine) and runs `up` with it.
#
#   dist/check-install.sh BINARY [STATIC_BINARY]
set -euo pipefail

binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
static=""
if [ "$#" -ge 2 ]; then
    static="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
target="x86_64-unknown-linux-gnu"
work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/release" "$work/home"
"$root/dist/package.sh" "$target" "$binary" "$work/release" >/dev/null
if [ -n "$static" ]; then
    "$root/dist/package.sh" "$(uname -m)-unknown-linux-musl" "$static" "$work/release" >/dev/null
fi
cp "$root/dist/install.sh" "$work/release/"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/release" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -sSf "http://127.0.0.1:$port/install.sh" -o /dev/null 2>/dev/null && break
    sleep 0.1
done

# A user's shell: only the system's directories on PATH, so no cargo.
clean=(env -i "HOME=$work/home" "PATH=/usr/bin:/bin" "DATASURFACE_TARGET=$target"
    "DATASURFACE_DOWNLOAD_URL=http://127.0.0.1:$port")
if "${clean[@]}" sh -c 'command -v cargo' >/dev/null; then
    echo "check-install: cargo is on the clean PATH; the check would prove nothing" >&2
    exit 1
fi

# A tampered release is refused, and installs nothing.
good="$(cat "$work/release/datasurface-$target.tar.gz.sha256")"
echo "0000000000000000000000000000000000000000000000000000000000000000  datasurface-$target.tar.gz" \
    > "$work/release/datasurface-$target.tar.gz.sha256"
if "${clean[@]}" sh -c "curl -sSfL http://127.0.0.1:$port/install.sh | sh" 2>"$work/refused"; then
    echo "check-install: a release with a wrong checksum was installed" >&2
    exit 1
fi
grep -q "nothing was installed" "$work/refused"
[ ! -e "$work/home/.local/bin/datasurface" ]
echo "$good" > "$work/release/datasurface-$target.tar.gz.sha256"

# A download that fails stops the README's line with an error.
if "${clean[@]}" sh -c "cd '$work' && curl -sSfL http://127.0.0.1:$port/missing/install.sh -o install.sh && sh install.sh" 2>/dev/null; then
    echo "check-install: the README's install line succeeded although its download failed" >&2
    exit 1
fi

# The README's binary route: one download, then `init` and `up`.
"${clean[@]}" sh -c "cd '$work' && curl -sSfL http://127.0.0.1:$port/install.sh -o install.sh && sh install.sh"
cd "$work/home"
"${clean[@]}" "$work/home/.local/bin/datasurface" init shop >/dev/null
cd shop
up="$("${clean[@]}" "$work/home/.local/bin/datasurface" up .)"
echo "$up" | grep -q "2 batches, 0 failed, 0 waiting; merge database datasurface-state/merge.sqlite" || {
    echo "check-install: \`up\` with the installed binary said:" >&2
    echo "$up" >&2
    exit 1
}
echo "check-install: installed from a packaged release without cargo, and \`up\` ran"

# The default route on Linux: the static build, chosen by install.sh itself.
if [ -n "$static" ]; then
    cd "$work"
    rm -rf "$work/home"
    mkdir -p "$work/home"
    default=(env -i "HOME=$work/home" "PATH=/usr/bin:/bin" "DATASURFACE_DOWNLOAD_URL=http://127.0.0.1:$port")
    "${default[@]}" sh -c "cd '$work' && curl -sSfL http://127.0.0.1:$port/install.sh -o install.sh && sh install.sh"
    installed="$work/home/.local/bin/datasurface"
    file "$installed" | grep -q "static" || {
        echo "check-install: install.sh did not install the static build: $(file "$installed")" >&2
        exit 1
    }
    cd "$work/home"
    "${default[@]}" "$installed" init shop >/dev/null
    cd shop
    up="$("${default[@]}" "$installed" up .)"
    echo "$up" | grep -q "2 batches, 0 failed, 0 waiting; merge database datasurface-state/merge.sqlite" || {
        echo "check-install: \`up\` with the installed static binary said:" >&2
        echo "$up" >&2
        exit 1
    }
    echo "check-install: the static (musl) build installed by default, and \`up\` ran"
fi
