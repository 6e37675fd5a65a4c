-- wrk script of bench/run: one keep-alive `tools/call greet` per request.
--
-- Environment (read once per wrk thread):
--   MCP_MODE        legacy | modern            (default legacy)
--   MCP_SESSION_ID  session id for legacy mode (created by bench/run with curl)
--   MCP_AUTHORIZATION  Authorization header value (the --auth oidc runs)
--   MCP_MAX_REQUESTS  stop each thread after this many responses (0 = run for -d)
--   MCP_DONE_FILE     with MCP_MAX_REQUESTS: file created when the budget is
--                     reached, so bench/run can end wrk early with SIGINT (wrk's
--                     main thread otherwise sleeps for the whole -d)
--
-- Every response that is not a 200 is counted by wrk as "Non-2xx"; bench/run
-- treats any of those as a failed run.

local mode = os.getenv("MCP_MODE") or "legacy"
local session = os.getenv("MCP_SESSION_ID") or ""
local max_requests = tonumber(os.getenv("MCP_MAX_REQUESTS") or "0") or 0
local done_file = os.getenv("MCP_DONE_FILE") or ""

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local authorization = os.getenv("MCP_AUTHORIZATION") or ""
if authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

if mode == "modern" then
  wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
  wrk.headers["Mcp-Method"] = "tools/call"
  wrk.headers["Mcp-Name"] = "greet"
  wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"bench"},'
    .. '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
else
  if session ~= "" then
    wrk.headers["Mcp-Session-Id"] = session
  end
  wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
  wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"bench"}}}'
end

-- Counting responses costs a Lua call per response, so the callback exists
-- only when a request budget is set (the RSS runs), not for throughput runs.
if max_requests > 0 then
  local seen = 0
  response = function(status, headers, body)
    seen = seen + 1
    if seen == max_requests then
      if done_file ~= "" then
        local f = io.open(done_file, "w")
        if f then
          f:write(tostring(seen), "\n")
          f:close()
        end
      end
      wrk.thread:stop()
    end
  end
end
