#pragma once
// Shared start-up of the server executables: flags with environment
// equivalents, validation with readable errors, logging, the HTTP server and
// the transport, graceful shutdown.
#include <functional>
#include <string>

#include "mcp/protocol/server.hpp"
#include "mcp/util/log.hpp"

namespace CLI {
class App;
}

namespace mcp::app {

struct ServerApp {
  std::string program;      // e.g. "mcp-server"
  std::string description;  // one line for --help
  Implementation info;
  std::string instructions;
  // Adds the application's own flags (optional); they are parsed with the
  // common ones.
  std::function<void(CLI::App&)> add_options;
  // Registers the application's tools, resources and prompts after the
  // flags are parsed. A non-empty return is a configuration error: it is
  // printed and the process exits with status 2.
  std::function<std::string(Server&, const util::Logger&)> register_features;
};

// Parses argv and the environment, then serves until SIGTERM/SIGINT.
// Returns the process exit code.
int run_server_app(int argc, char** argv, const ServerApp& app);

}  // namespace mcp::app
