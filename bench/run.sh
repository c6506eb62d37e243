#!/usr/bin/env bash
# Builds the release binary and runs every foundation benchmark on loopback.
# Needs wrk (apt-get install wrk). Output: bench/out/results.json
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release
mkdir -p bench/out
python3 bench/bench.py --binary .build/release/educommons "$@" | tee bench/out/results.json
