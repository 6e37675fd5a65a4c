// mcp-everything-server: the conformance fixture, with every tool, resource
// and prompt the official MCP conformance suite exercises.
#include "common/server_app.hpp"
#include "mcp-everything-server/fixtures.hpp"

int main(int argc, char** argv) {
  mcp::app::ServerApp app;
  app.program = "mcp-everything-server";
  app.description = "Conformance fixture server for the MCP conformance suite";
  app.info = {.name = "mcp-everything-server", .version = "1.0.0"};
  app.register_features = [](mcp::Server& server, const mcp::util::Logger&) {
    everything::register_fixtures(server);
    return std::string();
  };
  return mcp::app::run_server_app(argc, argv, app);
}
