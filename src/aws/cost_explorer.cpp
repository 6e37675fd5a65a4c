#include "aws/cost_explorer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "aws/json_fields.hpp"
#include "mcp/util/strings.hpp"

namespace aws {

namespace {

using nlohmann::json;

constexpr int kMaxDimensionPages = 10;

Error protocol_error(std::string_view operation, std::string_view what) {
  return Error{ErrorKind::kProtocol, {}, fmt::format("Cost Explorer {}: {}", operation, what), 0};
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json dimension(std::string_view key, const std::vector<std::string>& values) {
  return {{"Dimensions", {{"Key", std::string(key)}, {"Values", values}}}};
}

// Amounts are decimal strings ("12.3456789", "1.2E-7").
double amount(const json& metric) {
  const std::string text = string_field(metric, "Amount");
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc{} && end == text.data() + text.size() ? v : 0;
}

std::string cost_metric(const CostQuery& query) {
  for (const auto& m : query.metrics) {
    if (m != "UsageQuantity" && m != "NormalizedUsageAmount") return m;
  }
  return "UnblendedCost";
}

int index_of(const std::vector<std::string>& keys, std::string_view key) {
  const auto it = std::find(keys.begin(), keys.end(), key);
  return it == keys.end() ? -1 : static_cast<int>(it - keys.begin());
}

}  // namespace

std::string cost_and_usage_body(const CostQuery& query, std::string_view next_token) {
  json body = json::object();
  body["TimePeriod"] = {{"Start", query.start}, {"End", query.end}};
  body["Granularity"] = query.granularity;
  body["Metrics"] = query.metrics;
  std::vector<json> filters;
  if (!query.service_values.empty()) filters.push_back(dimension("SERVICE", query.service_values));
  if (!query.record_type.empty()) filters.push_back(dimension("RECORD_TYPE", {query.record_type}));
  if (filters.size() == 1) body["Filter"] = filters.front();
  if (filters.size() > 1) body["Filter"] = {{"And", filters}};
  if (!query.group_by.empty()) {
    json groups = json::array();
    for (const auto& key : query.group_by) groups.push_back({{"Type", "DIMENSION"}, {"Key", key}});
    body["GroupBy"] = std::move(groups);
  }
  if (!next_token.empty()) body["NextPageToken"] = std::string(next_token);
  return dump(body);
}

mcp::util::Expected<std::string, Error> parse_cost_and_usage(std::string_view text, const CostQuery& query,
                                                             std::vector<CostRow>& out) {
  const json j = parse_json(text);
  if (!j.is_object())
    return mcp::util::unexpected(protocol_error("GetCostAndUsage", "the answer is not a JSON object"));
  const std::string cost_key = cost_metric(query);
  const int service_at = index_of(query.group_by, "SERVICE");
  const int usage_at = index_of(query.group_by, "USAGE_TYPE");
  const auto row_from = [&](const json& metrics, const std::string& date, bool estimated) {
    CostRow row;
    row.date = date;
    row.estimated = estimated;
    if (const json* cost = member(metrics, cost_key)) {
      row.cost_usd = amount(*cost);
      row.currency = string_field(*cost, "Unit");
    }
    if (const json* qty = member(metrics, "UsageQuantity")) {
      row.quantity = amount(*qty);
      row.unit = string_field(*qty, "Unit");
    }
    return row;
  };
  for (const json& period : array_field(j, "ResultsByTime")) {
    const json* time = member(period, "TimePeriod");
    const std::string date = time != nullptr ? string_field(*time, "Start") : std::string();
    const bool estimated = bool_field(period, "Estimated");
    const json& groups = array_field(period, "Groups");
    for (const json& group : groups) {
      const json* metrics = member(group, "Metrics");
      if (metrics == nullptr) continue;
      CostRow row = row_from(*metrics, date, estimated);
      const json& keys = array_field(group, "Keys");
      const auto key = [&](int at) {
        return at >= 0 && static_cast<std::size_t>(at) < keys.size() && keys[at].is_string()
                   ? keys[at].get<std::string>()
                   : std::string();
      };
      row.service = key(service_at);
      row.usage_type = key(usage_at);
      out.push_back(std::move(row));
    }
    // Without GroupBy the period's Total carries the numbers.
    if (groups.empty()) {
      const json* total = member(period, "Total");
      if (total != nullptr && total->is_object() && !total->empty())
        out.push_back(row_from(*total, date, estimated));
    }
  }
  return string_field(j, "NextPageToken");
}

mcp::util::Expected<CostAndUsage, Error> get_cost_and_usage(const JsonClient& client, const CostQuery& query,
                                                            const CallContext& call) {
  CostAndUsage result;
  std::string token;
  for (;;) {
    if (result.pages >= std::max(1, query.max_pages)) {
      result.truncated = true;
      break;
    }
    auto answer = client.call("GetCostAndUsage", cost_and_usage_body(query, token), call);
    if (!answer) return mcp::util::unexpected(std::move(answer.error()));
    ++result.pages;
    auto next = parse_cost_and_usage(*answer, query, result.rows);
    if (!next) return mcp::util::unexpected(std::move(next.error()));
    if (next->empty()) break;
    if (*next == token)
      return mcp::util::unexpected(
          protocol_error("GetCostAndUsage", "the same NextPageToken came back twice"));
    token = std::move(*next);
  }
  return result;
}

mcp::util::Expected<std::vector<std::string>, Error> get_dimension_values(
    const JsonClient& client, std::string_view dimension_key, std::string_view search, std::string_view start,
    std::string_view end_exclusive, const CallContext& call) {
  std::vector<std::string> values;
  std::string token;
  for (int page = 0; page < kMaxDimensionPages; ++page) {
    json body = json::object();
    body["TimePeriod"] = {{"Start", std::string(start)}, {"End", std::string(end_exclusive)}};
    body["Dimension"] = std::string(dimension_key);
    body["Context"] = "COST_AND_USAGE";
    if (!search.empty()) body["SearchString"] = std::string(search);
    if (!token.empty()) body["NextPageToken"] = token;
    auto answer = client.call("GetDimensionValues", dump(body), call);
    if (!answer) return mcp::util::unexpected(std::move(answer.error()));
    const json j = parse_json(*answer);
    if (!j.is_object()) {
      return mcp::util::unexpected(protocol_error("GetDimensionValues", "the answer is not a JSON object"));
    }
    for (const json& v : array_field(j, "DimensionValues")) {
      std::string value = string_field(v, "Value");
      if (!value.empty()) values.push_back(std::move(value));
    }
    std::string next = string_field(j, "NextPageToken");
    if (next.empty() || next == token) break;
    token = std::move(next);
  }
  return values;
}

mcp::util::Expected<std::vector<std::string>, Error> bedrock_services(const JsonClient& client,
                                                                      std::string_view start,
                                                                      std::string_view end_exclusive,
                                                                      const CallContext& call) {
  auto values = get_dimension_values(client, "SERVICE", "Bedrock", start, end_exclusive, call);
  if (!values) return values;
  std::vector<std::string> out;
  for (auto& v : *values) {
    if (mcp::util::to_lower(v).find("bedrock") != std::string::npos) out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace aws
