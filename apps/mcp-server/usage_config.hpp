#pragma once
// The usage service's settings as flags with environment equivalents, shared
// by the server and `mcp-server report`, and the service built from them
// (libcurl transport, the AWS default credential chain, the price table).
#include <memory>
#include <string>

#include "mcp/util/expected.hpp"
#include "usage/service.hpp"

namespace CLI {
class App;
}

namespace bedrock_usage {

struct UsageFlags {
  bool demo = false;
  std::string region;  // default: AWS_REGION / AWS_DEFAULT_REGION / profile / us-east-1
  std::string log_group = "/aws/bedrock/modelinvocations";
  std::string source = "auto";
  std::string data_dir;
  std::string price_table;  // a JSON file replacing the bundled table
  int max_days = 400;
  unsigned fetch_concurrency = 8;
  double logs_tps = 10;
  unsigned long long max_pages = 100'000;
  unsigned long long max_events = 50'000'000;
  unsigned file_threads = 0;
  long report_timeout_s = 280;
};

// `for_report`: the CLI subcommand (no --data-dir: it reads any local path).
void add_usage_flags(CLI::App& cli, UsageFlags& flags, bool for_report);

// Builds the service; the error is a readable configuration problem.
mcp::util::Expected<std::shared_ptr<usage::UsageService>, std::string> make_usage_service(
    const UsageFlags& flags, bool allow_any_file);

}  // namespace bedrock_usage
