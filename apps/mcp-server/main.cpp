// mcp-server: the bedrock-usage-mcp product server.
#include "common/server_app.hpp"
#include "mcp-server/greet_tools.hpp"

int main(int argc, char** argv) {
  mcp::app::ServerApp app;
  app.program = "mcp-server";
  app.description = "bedrock-usage-mcp: an MCP server that analyses Amazon Bedrock usage and spend";
  app.info = {
      .name = "bedrock-usage-mcp", .version = MCP_PROJECT_VERSION, .title = "Bedrock usage and spend"};
  app.instructions =
      "Tools to analyse Amazon Bedrock usage. greet and multi-greet are connectivity checks; multi-greet "
      "streams log "
      "messages and progress before its result.";
  app.register_features = [](mcp::Server& server, const mcp::util::Logger&) {
    bedrock_usage::register_greet_features(server);
  };
  return mcp::app::run_server_app(argc, argv, app);
}
