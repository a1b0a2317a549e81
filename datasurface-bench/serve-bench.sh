#!/usr/bin/env bash
# The model service on the generated model of 101,000 datasets: how long
# `serve` takes to answer its first request, its memory, and dataset
# look-ups at 1,000 requests a second with oha (`cargo install oha`) on
# loopback, at p50/p99, and the catalogue page's own requests. Usage:
# datasurface-bench/serve-bench.sh [yaml|json]
set -euo pipefail
format=${1:-yaml}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/datasurface"
model="${TMPDIR:-/tmp}/datasurface-serve-bench-$format"
port=18181
cargo build --release --locked -q -p datasurface-cli --manifest-path "$root/Cargo.toml"
[ -d "$model" ] || "$bin" generate --stores 10000 --format "$format" --out "$model" -q
/usr/bin/time -f "check -q: %e s, %M KB" "$bin" check -q "$model" >/dev/null
start=$(date +%s.%N)
"$bin" serve "$model" --addr "127.0.0.1:$port" --poll 0 >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/ecosystem"; do sleep 0.02; done
echo "serve answered after $(echo "$(date +%s.%N) - $start" | bc) s"
sleep 5 # the findings are placed in their files after the first answer
grep -E 'VmHWM|VmRSS' "/proc/$pid/status"
if command -v oha >/dev/null; then
    oha -z 30s -q 1000 -c 16 --no-tui \
        --rand-regex-url "http://localhost:$port/api/v1/datastores/store_0[0-9]{4}/datasets/ds_(0[1-9]|10)" |
        grep -E 'Requests/sec|  (50|90|99)\.00% in|99\.90%|\[[0-9]{3}\]'
else
    echo "oha is not installed (cargo install oha); no load test"
fi

# The catalogue page's own requests, each the median of five: the page and
# its script, a search as someone types, and a dataset with its lineage (the
# input of the first transformer, which has readers and a lineage to draw).
input=$(curl -sf "http://127.0.0.1:$port/api/v1/transformers?limit=1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["inputs"][0])')
store=${input%%.*}
dataset=${input#*.}
for path in / /assets/catalogue.js "/api/v1/search?limit=50&q=ds_03" "/api/v1/search?limit=50&q=$store" \
    "/api/v1/datastores/$store/datasets/$dataset" "/api/v1/datastores/$store/datasets/$dataset/lineage?depth=3"; do
    for _ in 1 2 3 4 5; do
        curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$port$path"
    done | sort -n | awk -v p="$path" 'NR == 3 { printf "catalogue %-60s median %.2f ms, %d bytes\n", p, $1 * 1000, $2 }'
done
