#include "mcp-server/report_command.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "mcp-server/usage_config.hpp"
#include "usage/report.hpp"

namespace bedrock_usage {

namespace {

// SIGINT/SIGTERM cancel the report (the fetch stops, StopQuery is sent).
std::atomic<bool>* g_cancel = nullptr;  // NOLINT: the signal handler's only way in
extern "C" void on_signal(int) {
  if (g_cancel != nullptr) g_cancel->store(true);
}

}  // namespace

int run_report_command(int argc, char** argv) {
  CLI::App cli{"Print a Bedrock usage report (the get_bedrock_usage_report tool without MCP)",
               "mcp-server report"};
  UsageFlags flags;
  add_usage_flags(cli, flags, true);
  usage::ReportRequest request;
  int days = 0;
  std::string format = "text";
  bool progress = false;
  cli.add_option("--days", days, "Past days ending now (default 1)")->check(CLI::PositiveNumber);
  cli.add_option("--start", request.start, "First UTC day, YYYY-MM-DD (inclusive)");
  cli.add_option("--end", request.end, "Last UTC day, YYYY-MM-DD (inclusive; default today)");
  cli.add_option("--account-id", request.account_id, "Assume the configured role in this AWS account");
  cli.add_flag("--include-cost", request.include_cost, "Also fetch billed spend from Cost Explorer");
  cli.add_option("--top-n", request.top_n, "Keep the N largest rows per breakdown (0: all)");
  cli.add_option("--format", format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cli.add_flag("--progress", progress, "Print progress to stderr");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  if (days > 0) request.days = days;
  request.region = flags.region;
  request.log_group = flags.log_group;
  request.source = flags.demo ? "demo" : flags.source;

  auto service = make_usage_service(flags, /*allow_any_file=*/true);
  if (!service) {
    std::cerr << "mcp-server report: " << service.error() << "\n";
    return 2;
  }
  auto query = (*service)->resolve(request, std::chrono::system_clock::now());
  if (!query) {
    std::cerr << "mcp-server report: " << query.error().message << "\n";
    return 2;
  }
  std::atomic<bool> cancel{false};
  g_cancel = &cancel;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const aws::CallContext call{.deadline = aws::Clock::now() + std::chrono::seconds(flags.report_timeout_s),
                              .cancelled = &cancel};
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto report = (*service)->build_report(*query, call, [progress, tty](const usage::Progress& p) {
    if (!progress) return;
    std::fprintf(stderr, "%s%s: %llu/%llu, %llu pages, %llu events%s", tty ? "\r" : "", p.message.c_str(),
                 static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total),
                 static_cast<unsigned long long>(p.pages), static_cast<unsigned long long>(p.events),
                 tty ? "" : "\n");
  });
  g_cancel = nullptr;
  if (progress && tty) std::fputs("\n", stderr);
  if (!report) {
    std::cerr << "mcp-server report: " << report.error().message << "\n";
    return report.error().invalid_argument ? 2 : 1;
  }
  if (format == "json") {
    std::cout << usage::render_json(*report).dump(2) << "\n";
  } else {
    std::cout << usage::render_text(*report) << "\n";
  }
  return 0;
}

}  // namespace bedrock_usage
