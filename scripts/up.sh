#!/usr/bin/env bash
# Quick start, step 1: install what is missing (Debian packages, npm deps, generated schemas) and
# run a single-node Peapod cluster in the foreground. Extra arguments go to `peapod server`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec node bin/peapod.js server "$@"
