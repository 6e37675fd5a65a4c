#include "mcp-server/usage_tools.hpp"

#include <fmt/format.h>

#include "usage/record_parser.hpp"

namespace bedrock_usage {

using mcp::Context;
using mcp::Json;
using mcp::Task;
using mcp::ToolResult;

namespace {

constexpr const char* kReportPrompt = "analyse-bedrock-usage";
constexpr std::size_t kDefaultTopN = 100;

Json report_input_schema(const usage::ServiceOptions& o) {
  return Json{
      {"type", "object"},
      {"properties",
       {{"region",
         {{"type", "string"},
          {"description", "AWS region for CloudWatch Logs"},
          {"default", o.default_region}}},
        {"log_group_name",
         {{"type", "string"},
          {"description", "Name of the CloudWatch log group containing Bedrock logs"},
          {"default", o.default_log_group}}},
        {"days",
         {{"type", "integer"},
          {"exclusiveMinimum", 0},
          {"maximum", o.max_days},
          {"description", "Number of past days to fetch logs for (a rolling window ending now)"},
          {"default", 1}}},
        {"aws_account_id",
         {{"type", "string"},
          {"pattern", "^[0-9]{12}$"},
          {"description", "AWS Account ID if using cross-account access (the server assumes a role there)"}}},
        {"start",
         {{"type", "string"},
          {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
          {"description", "First UTC day (YYYY-MM-DD, inclusive); overrides days"}}},
        {"end",
         {{"type", "string"},
          {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
          {"description", "Last UTC day (YYYY-MM-DD, inclusive; default today)"}}},
        {"source",
         {{"type", "string"},
          {"pattern", "^(auto|cloudwatch|insights|demo|file:.+)$"},
          {"description",
           "auto (Logs Insights when it gives exact answers, else FilterLogEvents), cloudwatch, insights, "
           "demo, "
           "or file:<path> under the server's data directory"},
          {"default", o.default_source}}},
        {"include_cost",
         {{"type", "boolean"},
          {"description", "Also fetch billed spend from Cost Explorer (each call costs USD 0.01)"},
          {"default", false}}},
        {"top_n",
         {{"type", "integer"},
          {"minimum", 0},
          {"maximum", 10000},
          {"description", "Keep the N largest rows per breakdown and summarise the rest (0: all rows)"},
          {"default", kDefaultTopN}}}}},
      {"additionalProperties", false}};
}

Json spend_input_schema() {
  return Json{{"type", "object"},
              {"properties",
               {{"start",
                 {{"type", "string"},
                  {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                  {"description", "First UTC day (YYYY-MM-DD, inclusive)"}}},
                {"end",
                 {{"type", "string"},
                  {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                  {"description", "Last UTC day (YYYY-MM-DD, inclusive; default today)"}}},
                {"days",
                 {{"type", "integer"},
                  {"exclusiveMinimum", 0},
                  {"description", "Past days ending today, when start is not given"},
                  {"default", 7}}},
                {"aws_account_id", {{"type", "string"}, {"pattern", "^[0-9]{12}$"}}}}},
              {"additionalProperties", false}};
}

Json log_groups_input_schema(const usage::ServiceOptions& o) {
  return Json{
      {"type", "object"},
      {"properties",
       {{"region", {{"type", "string"}, {"description", "AWS region"}, {"default", o.default_region}}},
        {"prefix", {{"type", "string"}, {"description", "Log group name prefix, e.g. /aws/bedrock"}}},
        {"aws_account_id", {{"type", "string"}, {"pattern", "^[0-9]{12}$"}}},
        {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}}}},
      {"additionalProperties", false}};
}

Json log_groups_output_schema() {
  return Json{{"type", "object"},
              {"properties",
               {{"region", {{"type", "string"}}},
                {"logGroups",
                 {{"type", "array"},
                  {"items",
                   {{"type", "object"},
                    {"properties",
                     {{"name", {{"type", "string"}}},
                      {"arn", {{"type", "string"}}},
                      {"storedBytes", {{"type", "integer"}}},
                      {"retentionInDays", {{"type", "integer"}}},
                      {"logGroupClass", {{"type", "string"}}}}},
                    {"required", {"name"}}}}}}}},
              {"required", {"region", "logGroups"}}};
}

std::string string_arg(const Json& args, const char* name) {
  const auto it = args.find(name);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// AWS work ends at the report timeout or, sooner, when the request must be
// answered (a Lambda invocation's deadline), so the caller gets a clear
// error instead of a killed invocation.
aws::Clock::time_point call_deadline(const Context& ctx, std::chrono::seconds timeout) {
  const aws::Clock::time_point own = aws::Clock::now() + timeout;
  const auto request = ctx.deadline();
  return request && *request < own ? *request : own;
}

aws::CallContext call_context(const mcp::BlockingJob& job, aws::Clock::time_point deadline) {
  return aws::CallContext{.deadline = deadline, .cancelled = &job.cancel_flag()};
}

// Progress from the worker, relayed to the client as increasing values.
struct ProgressRelay {
  double last = -1;
};

void relay(Context& ctx, const std::shared_ptr<ProgressRelay>& state, const usage::Progress& p) {
  if (!ctx.has_progress_token()) return;
  const double value = p.total > 0 ? static_cast<double>(p.done) : static_cast<double>(p.pages);
  if (value <= state->last) return;
  state->last = value;
  std::string message = p.message;
  if (p.pages > 0) message += fmt::format(" ({} pages, {} events)", p.pages, p.events);
  if (p.total > 0) {
    ctx.progress(value, static_cast<double>(p.total), std::move(message));
  } else {
    ctx.progress(value, std::nullopt, std::move(message));
  }
}

ToolResult error_result(const std::string& prefix, const usage::ServiceError& e) {
  return ToolResult::error(prefix + e.message);
}

struct ReportOutcome {
  usage::ServiceResult<usage::Report> report = mcp::util::unexpected(usage::ServiceError{});
};

Task<ToolResult> get_report(std::shared_ptr<const usage::UsageService> service,
                            std::shared_ptr<mcp::WorkerPool> pool, UsageToolsOptions options, Context& ctx,
                            Json args) {
  usage::ReportRequest request;
  request.region = string_arg(args, "region");
  request.log_group = string_arg(args, "log_group_name");
  if (args.contains("days") && args["days"].is_number_integer()) request.days = args["days"].get<int>();
  request.start = string_arg(args, "start");
  request.end = string_arg(args, "end");
  request.source = string_arg(args, "source");
  request.account_id = string_arg(args, "aws_account_id");
  request.include_cost = args.value("include_cost", false);
  // MCP answers stay readable: 100 rows per breakdown unless asked (the rest
  // are summed in one line; structuredContent counts them under `omitted`).
  request.top_n = kDefaultTopN;
  if (args.contains("top_n") && args["top_n"].is_number_integer())
    request.top_n = static_cast<std::size_t>(std::max<std::int64_t>(0, args["top_n"].get<std::int64_t>()));
  auto query = service->resolve(request, std::chrono::system_clock::now());
  if (!query) co_return error_result("Error getting Bedrock report: ", query.error());

  auto relay_state = std::make_shared<ProgressRelay>();
  Context* context = &ctx;
  const usage::ReportQuery q = *query;
  const aws::Clock::time_point until = call_deadline(ctx, options.report_timeout);
  Task<ReportOutcome> job = mcp::run_blocking<ReportOutcome>(
      ctx, *pool, [service, q, until, context, relay_state](mcp::BlockingJob& job) {
        const aws::CallContext call = call_context(job, until);
        ReportOutcome outcome;
        outcome.report =
            service->build_report(q, call, [&job, context, relay_state](const usage::Progress& p) {
              job.on_handler_thread([context, relay_state, p] { relay(*context, relay_state, p); });
            });
        return outcome;
      });
  ReportOutcome outcome = co_await job;
  if (!outcome.report) co_return error_result("Error getting Bedrock report: ", outcome.report.error());
  const usage::Report& report = *outcome.report;
  co_return ToolResult::structured(usage::render_json(report), usage::render_text(report));
}

struct SpendOutcome {
  usage::ServiceResult<usage::BilledSpend> spend = mcp::util::unexpected(usage::ServiceError{});
};

Task<ToolResult> get_spend(std::shared_ptr<const usage::UsageService> service,
                           std::shared_ptr<mcp::WorkerPool> pool, UsageToolsOptions options, Context& ctx,
                           Json args) {
  const std::int64_t today = usage::day_of_epoch_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        std::chrono::system_clock::now().time_since_epoch())
                                                        .count());
  std::int64_t end_day = today;
  const std::string end = string_arg(args, "end");
  if (!end.empty() && !usage::parse_day(end, end_day))
    co_return ToolResult::error("Error getting Bedrock spend: end must be a date YYYY-MM-DD");
  // The schema bounds `days`; clamp anyway so no value can overflow.
  const std::int64_t days =
      std::clamp<std::int64_t>(args.value("days", std::int64_t{7}), 1, service->options().max_days);
  std::int64_t start_day = end_day - (days - 1);
  const std::string start = string_arg(args, "start");
  if (!start.empty() && !usage::parse_day(start, start_day))
    co_return ToolResult::error("Error getting Bedrock spend: start must be a date YYYY-MM-DD");
  if (service->options().default_source == "demo") {
    co_return ToolResult::error(
        "Error getting Bedrock spend: billed spend comes from AWS Cost Explorer, which the demo does not "
        "have; "
        "the usage report's estimated cost works in the demo");
  }
  const std::string account = string_arg(args, "aws_account_id");
  const aws::Clock::time_point until = call_deadline(ctx, options.report_timeout);
  Task<SpendOutcome> job = mcp::run_blocking<SpendOutcome>(
      ctx, *pool, [service, start_day, end_day, account, until](mcp::BlockingJob& job) {
        SpendOutcome outcome;
        outcome.spend = service->spend(start_day, end_day, account, call_context(job, until));
        return outcome;
      });
  SpendOutcome outcome = co_await job;
  if (!outcome.spend) co_return error_result("Error getting Bedrock spend: ", outcome.spend.error());
  co_return ToolResult::structured(usage::render_spend_json(*outcome.spend),
                                   usage::render_spend_text(*outcome.spend));
}

struct GroupsOutcome {
  usage::ServiceResult<std::vector<aws::LogGroup>> groups = mcp::util::unexpected(usage::ServiceError{});
};

Task<ToolResult> list_groups(std::shared_ptr<const usage::UsageService> service,
                             std::shared_ptr<mcp::WorkerPool> pool, UsageToolsOptions options, Context& ctx,
                             Json args) {
  const std::string region =
      string_arg(args, "region").empty() ? service->options().default_region : string_arg(args, "region");
  const std::string prefix = string_arg(args, "prefix");
  const std::string account = string_arg(args, "aws_account_id");
  const auto limit = static_cast<std::size_t>(std::clamp<std::int64_t>(args.value("limit", 100), 1, 1000));
  const aws::Clock::time_point until = call_deadline(ctx, options.report_timeout);
  Task<GroupsOutcome> job = mcp::run_blocking<GroupsOutcome>(
      ctx, *pool, [service, region, prefix, account, limit, until](mcp::BlockingJob& job) {
        GroupsOutcome outcome;
        outcome.groups = service->log_groups(region, prefix, account, limit, call_context(job, until));
        return outcome;
      });
  GroupsOutcome outcome = co_await job;
  if (!outcome.groups) co_return error_result("Error listing log groups: ", outcome.groups.error());
  Json list = Json::array();
  std::string text;
  for (const auto& g : *outcome.groups) {
    Json item{{"name", g.name},
              {"arn", g.arn},
              {"storedBytes", g.stored_bytes},
              {"logGroupClass", g.log_group_class}};
    if (g.retention_days) item["retentionInDays"] = *g.retention_days;
    list.push_back(std::move(item));
    text += g.name + "\n";
  }
  if (text.empty()) {
    text = "No log groups found in " + region + (prefix.empty() ? "" : " with prefix " + prefix) + ".";
  } else {
    text = "Log groups in " + region + ":\n" + text;
    text.pop_back();
  }
  co_return ToolResult::structured(Json{{"region", region}, {"logGroups", std::move(list)}}, text);
}

}  // namespace

void register_usage_features(mcp::Server& server, const std::shared_ptr<const usage::UsageService>& service,
                             const std::shared_ptr<mcp::WorkerPool>& pool, UsageToolsOptions options) {
  const usage::ServiceOptions& o = service->options();
  mcp::ToolAnnotations read_only;
  read_only.read_only_hint = true;
  read_only.open_world_hint = true;

  mcp::ToolSpec report{.name = "get_bedrock_usage_report",
                       .title = "Bedrock usage report",
                       .description =
                           "Get Bedrock daily usage report (non-streaming): requests and tokens by day, "
                           "region, model, user, operation and inference profile, cache tokens, errors "
                           "and estimated cost; optionally billed spend from Cost Explorer",
                       .input_schema = report_input_schema(o),
                       .output_schema = usage::report_output_schema(),
                       .annotations = read_only};
  report.annotations.title = "Bedrock usage report";
  // Not a task (yet): a task outlives its HTTP exchange, so server shutdown
  // would have to cancel it before the event loop goes away; until the task
  // store does that, reports run inline and are cancelled with the request.
  server.add_tool(std::move(report),
                  mcp::ToolHandler([service, pool, options](Context& ctx, const Json& args) {
                    return get_report(service, pool, options, ctx, args);
                  }));

  mcp::ToolSpec spend{.name = "get_bedrock_spend",
                      .title = "Bedrock billed spend",
                      .description =
                          "Billed Amazon Bedrock spend from AWS Cost Explorer (UnblendedCost) by day, "
                          "usage type and service; each call costs USD 0.01-0.02",
                      .input_schema = spend_input_schema(),
                      .output_schema = usage::spend_output_schema(),
                      .annotations = read_only};
  server.add_tool(std::move(spend),
                  mcp::ToolHandler([service, pool, options](Context& ctx, const Json& args) {
                    return get_spend(service, pool, options, ctx, args);
                  }));

  mcp::ToolSpec groups{.name = "list_bedrock_log_groups",
                       .title = "CloudWatch log groups",
                       .description =
                           "List CloudWatch log groups (DescribeLogGroups) that may hold Bedrock "
                           "model-invocation logs, to fill log_group_name",
                       .input_schema = log_groups_input_schema(o),
                       .output_schema = log_groups_output_schema(),
                       .annotations = read_only};
  server.add_tool(std::move(groups),
                  mcp::ToolHandler([service, pool, options](Context& ctx, const Json& args) {
                    return list_groups(service, pool, options, ctx, args);
                  }));

  server.add_prompt(
      {.name = kReportPrompt,
       .description = "Analyse Amazon Bedrock usage and spend for a region and log group",
       .arguments = {{.name = "region", .description = "AWS region", .required = false},
                     {.name = "log_group_name",
                      .description = "CloudWatch log group with Bedrock invocation logs",
                      .required = false},
                     {.name = "days", .description = "Past days to analyse", .required = false}}},
      [o](Context&, const mcp::PromptArguments& args) {
        const auto get = [&args](const char* k, const std::string& fallback) {
          const auto it = args.find(k);
          return it == args.end() || it->second.empty() ? fallback : it->second;
        };
        mcp::PromptResult r;
        r.description = "Bedrock usage analysis";
        r.messages.push_back(
            {"user", mcp::content::text(fmt::format(
                         "Call get_bedrock_usage_report with region {}, log_group_name {} and days {} "
                         "(include_cost true), then summarise the spend, the heaviest models and users, "
                         "cache effectiveness and errors, and suggest savings.",
                         get("region", o.default_region), get("log_group_name", o.default_log_group),
                         get("days", "7")))});
        return r;
      });

  server.set_completion_handler([service, pool](const mcp::CompletionRequest& request) {
    mcp::CompletionResult result;
    if (request.ref.value("type", "") != "ref/prompt" || request.ref.value("name", "") != kReportPrompt)
      return result;
    if (request.argument_name == "region") {
      result.values = service->complete_region(request.argument_value);
    } else if (request.argument_name == "log_group_name") {
      const auto it = request.context_arguments.find("region");
      const std::string region = it == request.context_arguments.end() ? std::string() : it->second;
      bool stale = false;
      result.values = service->complete_log_group(region, request.argument_value, stale);
      // Completion answers at once; a stale cache is refreshed in the
      // background for the next keystroke.
      if (stale) (void)pool->submit([service, region] { service->refresh_log_groups(region); });
    } else if (request.argument_name == "days") {
      for (const char* d : {"1", "7", "14", "30", "90"})
        if (std::string_view(d).starts_with(request.argument_value)) result.values.emplace_back(d);
    }
    result.total = static_cast<std::int64_t>(result.values.size());
    return result;
  });
}

}  // namespace bedrock_usage
