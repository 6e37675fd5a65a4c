#include "aws/logs.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "aws/json_fields.hpp"

namespace aws {

namespace {

using nlohmann::json;

Error protocol_error(std::string_view operation, std::string_view what) {
  return Error{ErrorKind::kProtocol, {}, fmt::format("CloudWatch Logs {}: {}", operation, what), 0};
}

void set_log_group(json& body, std::string_view log_group) {
  if (log_group.starts_with("arn:")) {
    body["logGroupIdentifier"] = std::string(log_group);
  } else {
    body["logGroupName"] = std::string(log_group);
  }
}

// nlohmann's dump() throws on invalid UTF-8; replace it instead.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string filter_log_events_body(std::string_view log_group, std::int64_t start_ms, std::int64_t end_ms,
                                   std::string_view next_token, int limit) {
  json body = json::object();
  set_log_group(body, log_group);
  body["startTime"] = start_ms;
  body["endTime"] = end_ms;
  body["limit"] = std::clamp(limit, 1, 10000);
  if (!next_token.empty()) body["nextToken"] = std::string(next_token);
  return dump(body);
}

mcp::util::Expected<LogGroupPage, Error> parse_describe_log_groups(std::string_view text) {
  const json j = parse_json(text);
  if (!j.is_object())
    return mcp::util::unexpected(protocol_error("DescribeLogGroups", "the answer is not a JSON object"));
  LogGroupPage page;
  for (const json& g : array_field(j, "logGroups")) {
    LogGroup group;
    group.name = string_field(g, "logGroupName");
    if (group.name.empty()) continue;
    group.arn = string_field(g, "logGroupArn");
    if (group.arn.empty()) {
      group.arn = string_field(g, "arn");
      if (group.arn.ends_with(":*")) group.arn.resize(group.arn.size() - 2);
    }
    group.stored_bytes = integer_field(g, "storedBytes").value_or(0);
    if (const auto days = integer_field(g, "retentionInDays")) group.retention_days = static_cast<int>(*days);
    group.creation_time_ms = integer_field(g, "creationTime").value_or(0);
    group.log_group_class = string_field(g, "logGroupClass");
    page.groups.push_back(std::move(group));
  }
  page.next_token = string_field(j, "nextToken");
  return page;
}

mcp::util::Expected<LogGroupPage, Error> describe_log_groups(const JsonClient& client,
                                                             std::string_view name_prefix,
                                                             std::string_view next_token, int limit,
                                                             const CallContext& call) {
  json body = json::object();
  if (!name_prefix.empty()) body["logGroupNamePrefix"] = std::string(name_prefix);
  if (!next_token.empty()) body["nextToken"] = std::string(next_token);
  body["limit"] = std::clamp(limit, 1, 50);
  auto answer = client.call("DescribeLogGroups", dump(body), call);
  if (!answer) return mcp::util::unexpected(std::move(answer.error()));
  return parse_describe_log_groups(*answer);
}

mcp::util::Expected<std::vector<LogGroup>, Error> list_all_log_groups(const JsonClient& client,
                                                                      std::string_view prefix,
                                                                      std::size_t max_groups,
                                                                      const CallContext& call) {
  std::vector<LogGroup> all;
  if (max_groups == 0) return all;
  std::string token;
  do {
    auto page = describe_log_groups(client, prefix, token, 50, call);
    if (!page) return mcp::util::unexpected(std::move(page.error()));
    for (auto& g : page->groups) {
      if (all.size() >= max_groups) return all;
      all.push_back(std::move(g));
    }
    if (!page->next_token.empty() && page->next_token == token)
      return mcp::util::unexpected(protocol_error("DescribeLogGroups", "the same nextToken came back twice"));
    token = std::move(page->next_token);
  } while (!token.empty() && all.size() < max_groups);
  return all;
}

mcp::util::Expected<std::string, Error> start_query(const JsonClient& client, std::string_view log_group,
                                                    std::int64_t start_s, std::int64_t end_s,
                                                    std::string_view query, int limit,
                                                    const CallContext& call) {
  json body = json::object();
  if (log_group.starts_with("arn:")) {
    std::string arn(log_group);
    if (arn.ends_with(":*")) arn.resize(arn.size() - 2);  // identifiers take the bare ARN
    body["logGroupIdentifiers"] = json::array({arn});
  } else {
    body["logGroupName"] = std::string(log_group);
  }
  body["startTime"] = start_s;
  body["endTime"] = end_s;
  body["queryString"] = std::string(query);
  body["limit"] = std::clamp(limit, 1, 10000);
  auto answer = client.call("StartQuery", dump(body), call);
  if (!answer) return mcp::util::unexpected(std::move(answer.error()));
  const std::string id = string_field(parse_json(*answer), "queryId");
  if (id.empty()) return mcp::util::unexpected(protocol_error("StartQuery", "the answer has no queryId"));
  return id;
}

bool QueryResults::finished() const {
  return status == "Complete" || status == "Failed" || status == "Cancelled" || status == "Timeout" ||
         status == "Unknown";
}

mcp::util::Expected<QueryResults, Error> parse_query_results(std::string_view text) {
  const json j = parse_json(text);
  if (!j.is_object())
    return mcp::util::unexpected(protocol_error("GetQueryResults", "the answer is not a JSON object"));
  QueryResults out;
  out.status = string_field(j, "status");
  if (out.status.empty())
    return mcp::util::unexpected(protocol_error("GetQueryResults", "the answer has no status"));
  for (const json& row : array_field(j, "results")) {
    if (!row.is_array()) continue;
    QueryRow fields;
    fields.reserve(row.size());
    for (const json& cell : row) {
      std::string field = string_field(cell, "field");
      if (field.empty()) continue;
      fields.emplace_back(std::move(field), string_field(cell, "value"));
    }
    out.rows.push_back(std::move(fields));
  }
  if (const json* stats = member(j, "statistics")) {
    out.records_matched = number_field(*stats, "recordsMatched").value_or(0);
    out.records_scanned = number_field(*stats, "recordsScanned").value_or(0);
    out.bytes_scanned = number_field(*stats, "bytesScanned").value_or(0);
  }
  return out;
}

mcp::util::Expected<QueryResults, Error> get_query_results(const JsonClient& client,
                                                           std::string_view query_id,
                                                           const CallContext& call) {
  const json body = {{"queryId", std::string(query_id)}};
  auto answer = client.call("GetQueryResults", dump(body), call);
  if (!answer) return mcp::util::unexpected(std::move(answer.error()));
  return parse_query_results(*answer);
}

mcp::util::Expected<bool, Error> stop_query(const JsonClient& client, std::string_view query_id,
                                            const CallContext& call) {
  const json body = {{"queryId", std::string(query_id)}};
  auto answer = client.call("StopQuery", dump(body), call);
  if (!answer) {
    // A query that already finished cannot be stopped: not a failure.
    if (answer.error().code == "InvalidParameterException") return false;
    return mcp::util::unexpected(std::move(answer.error()));
  }
  return bool_field(parse_json(*answer), "success");
}

}  // namespace aws
