#include "mcp-server/usage_config.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "aws/config.hpp"
#include "aws/credentials.hpp"
#include "aws/transport.hpp"
#include "mcp/net/curl_client.hpp"

namespace bedrock_usage {

void add_usage_flags(CLI::App& cli, UsageFlags& flags, bool for_report) {
  cli.add_flag("--demo", flags.demo,
               "Serve a generated sample dataset (30 days, several models and users) instead of AWS")
      ->envname("BEDROCK_DEMO");
  cli.add_option("--region", flags.region,
                 "Default AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile)");
  cli.add_option("--log-group", flags.log_group, "Default CloudWatch log group with Bedrock invocation logs")
      ->envname("BEDROCK_LOG_GROUP")
      ->capture_default_str();
  cli.add_option("--source", flags.source, "Default source: auto, cloudwatch, insights, demo or file:<path>")
      ->envname("BEDROCK_SOURCE")
      ->capture_default_str();
  if (!for_report) {
    cli.add_option("--data-dir", flags.data_dir,
                   "Directory whose log files MCP callers may analyse with source=file:<relative path>")
        ->envname("BEDROCK_DATA_DIR");
  }
  cli.add_option("--price-table", flags.price_table, "JSON price table replacing the bundled one")
      ->envname("BEDROCK_PRICE_TABLE");
  cli.add_option("--max-days", flags.max_days, "Longest report window in days")
      ->envname("BEDROCK_MAX_DAYS")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  cli.add_option("--fetch-concurrency", flags.fetch_concurrency, "Parallel FilterLogEvents time slices")
      ->envname("BEDROCK_FETCH_CONCURRENCY")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cli.add_option("--logs-tps", flags.logs_tps,
                 "FilterLogEvents requests per second per region (stay under the account's quota)")
      ->envname("BEDROCK_LOGS_TPS")
      ->check(CLI::Range(0.1, 1000.0))
      ->capture_default_str();
  cli.add_option("--max-pages", flags.max_pages, "Most FilterLogEvents pages one report may read")
      ->envname("BEDROCK_MAX_PAGES")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--max-events", flags.max_events, "Most log events one report may read")
      ->envname("BEDROCK_MAX_EVENTS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--file-threads", flags.file_threads, "Threads parsing files (0: every core)")
      ->envname("BEDROCK_FILE_THREADS")
      ->capture_default_str();
  cli.add_option("--report-timeout-seconds", flags.report_timeout_s, "Longest time one report may take")
      ->envname("BEDROCK_REPORT_TIMEOUT_SECONDS")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
}

mcp::util::Expected<std::shared_ptr<usage::UsageService>, std::string> make_usage_service(
    const UsageFlags& flags, bool allow_any_file) {
  usage::ServiceOptions o;
  o.env = aws::process_environment();
  o.transport = aws::streaming_transport(std::make_shared<mcp::net::CurlStreamingClient>());
  const char* home = std::getenv("HOME");
  aws::ChainOptions chain;
  chain.env = o.env;
  chain.transport = o.transport;
  chain.home_dir = home != nullptr ? home : "";
  o.credentials = aws::default_chain(std::move(chain));

  if (!flags.region.empty()) {
    o.default_region = flags.region;
  } else {
    // The same rule as the SDKs, reading the shared config file for the profile's region.
    std::string config_text;
    if (const auto path =
            o.env("AWS_CONFIG_FILE").value_or(home != nullptr ? std::string(home) + "/.aws/config" : "");
        !path.empty()) {
      std::ifstream in(path);
      std::stringstream buffer;
      buffer << in.rdbuf();
      config_text = buffer.str();
    }
    const auto config = aws::parse_profiles(config_text, true);
    o.default_region = aws::resolve_region("", o.env, config, aws::profile_name(o.env)).value_or("us-east-1");
  }
  o.default_log_group = flags.log_group;
  o.default_source = flags.demo ? "demo" : flags.source;
  o.data_dir = flags.data_dir;
  o.allow_any_file = allow_any_file;
  o.cross_account_role_name = o.env("BEDROCK_CROSS_ACCOUNT_ROLE_NAME").value_or("");
  o.role_arn = o.env("BEDROCK_ROLE_ARN").value_or("");
  o.max_days = flags.max_days;
  o.fetch_concurrency = flags.fetch_concurrency;
  o.logs_tps = flags.logs_tps;
  o.max_pages = flags.max_pages;
  o.max_events = flags.max_events;
  o.file_threads = flags.file_threads;
  if (flags.price_table.empty()) {
    o.prices = usage::PriceTable::bundled();
  } else {
    std::ifstream in(flags.price_table);
    if (!in) return mcp::util::unexpected("cannot read the price table " + flags.price_table);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto table = usage::PriceTable::parse(buffer.str());
    if (!table) return mcp::util::unexpected("price table " + flags.price_table + ": " + table.error());
    o.prices = std::move(*table);
  }
  return std::make_shared<usage::UsageService>(std::move(o));
}

}  // namespace bedrock_usage
