#!/usr/bin/env bash
# Runs every test: type check, unit tests next to the code, integration tests against a real server
# and the real kubectl, and (as root) end-to-end tests with real containers. `.ci/run` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== lint"
# Biome (biome.json): lint rules and the formatter check; `npm run format` fixes the formatting.
npx biome ci .

echo "== typecheck"
npx tsc --noEmit

echo "== tests"
# The server's shared informers hold its watch cache's own objects (one copy of each in the
# server). In tests those are deep-frozen as they are handed out: a component that changed one in
# place would change what every reader sees, and throws here instead.
export PEAPOD_FREEZE_SHARED=1
# Node 20 does not discover .ts test files itself, so list them explicitly.
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
node --import tsx --test --test-concurrency="${PEAPOD_TEST_CONCURRENCY:-2}" --test-timeout=300000 --test-reporter=spec "${files[@]}"
