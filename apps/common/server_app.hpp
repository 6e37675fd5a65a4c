#pragma once
// Shared start-up of the server executables: flags with environment
// equivalents, validation with readable errors, logging, the HTTP server and
// the transport, graceful shutdown.
#include <functional>
#include <string>

#include "mcp/protocol/server.hpp"
#include "mcp/util/log.hpp"

namespace mcp::app {

struct ServerApp {
  std::string program;      // e.g. "mcp-server"
  std::string description;  // one line for --help
  Implementation info;
  std::string instructions;
  // Registers the application's tools, resources and prompts.
  std::function<void(Server&, const util::Logger&)> register_features;
};

// Parses argv and the environment, then serves until SIGTERM/SIGINT.
// Returns the process exit code.
int run_server_app(int argc, char** argv, const ServerApp& app);

}  // namespace mcp::app
