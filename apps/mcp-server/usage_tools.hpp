#pragma once
// The Bedrock usage tools of mcp-server: get_bedrock_usage_report,
// get_bedrock_spend, list_bedrock_log_groups, and argument completion for
// region and log_group_name (through the analyse-bedrock-usage prompt, since
// MCP completes prompt and resource-template arguments).
#include <chrono>
#include <memory>

#include "mcp/protocol/server.hpp"
#include "mcp/protocol/worker_pool.hpp"
#include "usage/service.hpp"

namespace bedrock_usage {

struct UsageToolsOptions {
  std::chrono::seconds report_timeout{280};  // longest a report may take
};

void register_usage_features(mcp::Server& server, const std::shared_ptr<const usage::UsageService>& service,
                             const std::shared_ptr<mcp::WorkerPool>& pool, UsageToolsOptions options);

}  // namespace bedrock_usage
