// mcp-server: the bedrock-usage-mcp product server. `mcp-server report …`
// prints a usage report without MCP.
#include <CLI/CLI.hpp>
#include <cstring>
#include <thread>

#include "common/server_app.hpp"
#include "mcp-server/greet_tools.hpp"
#include "mcp-server/report_command.hpp"
#include "mcp-server/usage_config.hpp"
#include "mcp-server/usage_tools.hpp"
#include "mcp/protocol/worker_pool.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "report") == 0)
    return bedrock_usage::run_report_command(argc - 1, argv + 1);

  // Outlives the server: its threads are joined after every request is gone.
  auto pool = std::make_shared<mcp::WorkerPool>(16, 256);
  bedrock_usage::UsageFlags flags;
  mcp::app::ServerApp app;
  app.program = "mcp-server";
  app.description =
      "bedrock-usage-mcp: an MCP server that analyses Amazon Bedrock usage and spend "
      "(`mcp-server report --help` prints a report without MCP)";
  app.info = {
      .name = "bedrock-usage-mcp", .version = MCP_PROJECT_VERSION, .title = "Bedrock usage and spend"};
  app.instructions =
      "Tools to analyse Amazon Bedrock usage and spend. get_bedrock_usage_report reports requests and tokens "
      "by "
      "day, region, model and user from model-invocation logs, with estimated cost; get_bedrock_spend reads "
      "billed "
      "spend from Cost Explorer; list_bedrock_log_groups finds log groups. greet and multi-greet are "
      "connectivity checks.";
  app.add_options = [&flags](CLI::App& cli) {
    bedrock_usage::add_usage_flags(cli, flags, false);
  };
  app.register_features = [&flags, pool](mcp::Server& server, const mcp::util::Logger&) -> std::string {
    bedrock_usage::register_greet_features(server);
    auto service = bedrock_usage::make_usage_service(flags, /*allow_any_file=*/false);
    if (!service) return service.error();
    bedrock_usage::register_usage_features(server, *service, pool,
                                           {.report_timeout = std::chrono::seconds(flags.report_timeout_s)});
    return {};
  };
  return mcp::app::run_server_app(argc, argv, app);
}
