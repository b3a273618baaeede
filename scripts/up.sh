#!/usr/bin/env bash
# Quick start, step 1: install what is missing (Debian packages, npm deps, generated schemas) and
# run a single-node Peapod cluster in the foreground. Extra arguments go to `peapod server`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# V8 flags of the server: see src/server/node-flags.ts (Node takes them only on its command line).
exec node --max-semi-space-size=64 bin/peapod.js server "$@"
