#!/usr/bin/env bash
# Installs what Peapod needs on a Debian 12 machine (root): Debian packages and npm dependencies.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages used by the node agent and its tests (runtime, CNI plugins, the busybox test image).
APT_PACKAGES=(${PEAPOD_APT_PACKAGES:-runc conmon crun containernetworking-plugins busybox-static iproute2 util-linux iptables attr tar podman catatonit nftables docker-registry skopeo apache2-utils zstd etcd-server etcd-client})
APT_PACKAGES+=(curl) # packaged with its libraries into the in-pod API client image of the ServiceAccount e2e test
# Headless Chromium for the dashboard's browser tests, screenshots and benchmark (test/browser.ts).
[ -n "${PEAPOD_APT_PACKAGES:-}" ] || APT_PACKAGES+=(chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "peapod: need root to install: ${missing[*]}" >&2; exit 1; fi
  echo "peapod: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The tests drive the real kubectl, and the protobuf field table below is read from its binary: a
# machine without it cannot pass the suite, so stop here rather than let tests skip.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "peapod: kubectl is not on PATH; the tests and the protobuf field table need it (install kubectl 1.32, e.g. from https://dl.k8s.io or the google-cloud-cli kubectl package)" >&2
  exit 1
fi

# npm dependencies, only when package-lock.json changed since the last install.
stamp=node_modules/.peapod-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "peapod: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# Generated artefacts (OpenAPI schemas from kubernetes-models), rebuilt when missing.
if [ -f scripts/gen-openapi.ts ] && [ ! -f generated/openapi-schemas.json ]; then
  echo "peapod: generating OpenAPI schemas"
  npx tsx scripts/gen-openapi.ts
fi

# Protobuf field table of the built-in kinds, read from the kubectl binary (needs the OpenAPI schemas
# above for JSON names). Without kubectl, protobuf request bodies keep getting 415.
if [ -f scripts/gen-k8s-proto.ts ] && [ ! -f generated/k8s-proto-fields.json ]; then
  echo "peapod: generating the protobuf field table"
  npx tsx scripts/gen-k8s-proto.ts
fi
for f in generated/openapi-schemas.json generated/k8s-proto-fields.json; do
  if [ ! -f "$f" ]; then echo "peapod: $f was not generated; the API server and the tests need it" >&2; exit 1; fi
done

# The compiled build bin/peapod.js prefers when it is up to date (faster start, less memory).
echo "peapod: compiling"
npx tsc -p tsconfig.build.json
