#!/usr/bin/env bash
# Builds the example hooks from C with clang's WebAssembly target and lld (Debian:
# `apt-get install clang lld`), no C library: the module imports nothing.
# Usage: build.sh [OUT_DIR]  (default: next to the sources)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
mkdir -p "$out"
for src in "$here"/*.c; do
    name="$(basename "$src" .c)"
    clang --target=wasm32 -O2 -nostdlib -fno-builtin \
        -Wl,--no-entry -Wl,--strip-all \
        -Wl,--export=ds_contract_version -Wl,--export=ds_alloc -Wl,--export=ds_decide \
        -o "$out/$name.wasm" "$src"
    echo "$out/$name.wasm $(sha256sum "$out/$name.wasm" | cut -d' ' -f1)"
done
