#include "mcp/json_rpc/message.hpp"

#include <fmt/format.h>

namespace mcp::json_rpc {

std::optional<Id> Id::from_json(const Json& j) {
  if (j.is_string()) return Id(j.get<std::string>());
  if (j.is_number_integer()) return Id(j.get<std::int64_t>());
  // Integral values beyond int64 (unsigned) are refused rather than wrapped.
  return std::nullopt;
}

Json Id::to_json() const {
  if (const auto* n = std::get_if<std::int64_t>(&v_)) return *n;
  return std::get<std::string>(v_);
}

std::string Id::to_string() const {
  if (const auto* n = std::get_if<std::int64_t>(&v_)) return "n:" + std::to_string(*n);
  return "s:" + std::get<std::string>(v_);
}

Json Error::to_json() const {
  Json j = {{"code", code}, {"message", message}};
  if (!data.is_null()) j["data"] = data;
  return j;
}

Error Error::parse_error(const std::string& detail) {
  return {code::kParseError, detail.empty() ? "Parse error" : "Parse error: " + detail, nullptr};
}
Error Error::invalid_request(const std::string& detail) {
  return {code::kInvalidRequest, detail.empty() ? "Invalid Request" : "Invalid Request: " + detail, nullptr};
}
Error Error::method_not_found(std::string_view method) {
  return {code::kMethodNotFound, fmt::format("Method not found: {}", method), nullptr};
}
Error Error::invalid_params(const std::string& detail) {
  return {code::kInvalidParams, detail.empty() ? "Invalid params" : "Invalid params: " + detail, nullptr};
}
Error Error::internal(const std::string& detail) {
  return {code::kInternalError, detail.empty() ? "Internal error" : "Internal error: " + detail, nullptr};
}

namespace {

bool has_valid_version(const Json& j) {
  const auto it = j.find("jsonrpc");
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == "2.0";
}

}  // namespace

Parsed parse_message(const Json& j) {
  if (!j.is_object()) return Invalid{std::nullopt, Error::invalid_request("message must be an object")};

  std::optional<Id> id;
  const auto id_it = j.find("id");
  const bool has_id = id_it != j.end();
  if (has_id) {
    id = Id::from_json(*id_it);
    if (!id) return Invalid{std::nullopt, Error::invalid_request("id must be a string or an integer")};
  }
  if (!has_valid_version(j)) return Invalid{id, Error::invalid_request("jsonrpc must be \"2.0\"")};

  const auto method_it = j.find("method");
  if (method_it != j.end()) {
    if (!method_it->is_string() || method_it->get_ref<const std::string&>().empty()) {
      return Invalid{id, Error::invalid_request("method must be a non-empty string")};
    }
    Json params;
    if (const auto p = j.find("params"); p != j.end()) {
      if (!p->is_object() && !p->is_array()) {
        return Invalid{id, Error::invalid_request("params must be an object or an array")};
      }
      params = *p;
    }
    if (j.contains("result") || j.contains("error")) {
      return Invalid{id, Error::invalid_request("a request cannot carry result or error")};
    }
    if (has_id) return Request{std::move(*id), method_it->get<std::string>(), std::move(params)};
    return Notification{method_it->get<std::string>(), std::move(params)};
  }

  const auto result_it = j.find("result");
  const auto error_it = j.find("error");
  const bool has_result = result_it != j.end();
  const bool has_error = error_it != j.end();
  if (has_result == has_error) {
    return Invalid{id, Error::invalid_request("expected exactly one of method, result or error")};
  }
  if (has_result) {
    if (!has_id) return Invalid{std::nullopt, Error::invalid_request("a response needs an id")};
    return Response{std::move(*id), *result_it, std::nullopt};
  }
  // Error responses may carry a null id (when the peer could not read ours).
  const Json& e = *error_it;
  if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer() || !e.contains("message") ||
      !e["message"].is_string()) {
    return Invalid{id, Error::invalid_request("malformed error object")};
  }
  Error err{e["code"].get<int>(), e["message"].get<std::string>(), e.value("data", Json())};
  if (!has_id)
    return Invalid{std::nullopt, Error::invalid_request("an error response without an id cannot be routed")};
  return Response{std::move(*id), std::nullopt, std::move(err)};
}

std::size_t nesting_depth(std::string_view bytes) {
  std::size_t depth = 0;
  std::size_t max_depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{')
      max_depth = std::max(max_depth, ++depth);
    else if ((c == ']' || c == '}') && depth > 0)
      --depth;
  }
  return max_depth;
}

util::Expected<Body, Error> parse_body(std::string_view bytes) {
  // nlohmann's DOM copies and destroys recursively: bound the depth before
  // building one so that hostile input cannot exhaust the stack.
  if (nesting_depth(bytes) > kMaxNestingDepth) {
    return util::unexpected(
        Error::parse_error(fmt::format("nesting deeper than {} levels", kMaxNestingDepth)));
  }
  Json j = Json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return util::unexpected(Error::parse_error("the body is not valid JSON"));
  Body body;
  if (j.is_array()) {
    if (j.empty()) return util::unexpected(Error::invalid_request("empty batch"));
    body.is_batch = true;
    body.messages.reserve(j.size());
    for (const auto& item : j) body.messages.push_back(parse_message(item));
  } else {
    body.messages.push_back(parse_message(j));
  }
  return body;
}

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string encode_result(const Id& id, const Json& result) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += dump(id.to_json());
  out += R"(,"result":)";
  out += dump(result);
  out += '}';
  return out;
}

std::string encode_error(const std::optional<Id>& id, const Error& error) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += id ? dump(id->to_json()) : "null";
  out += R"(,"error":)";
  out += dump(error.to_json());
  out += '}';
  return out;
}

std::string encode_request(const Id& id, std::string_view method, const Json& params) {
  Json j = {{"jsonrpc", "2.0"}, {"id", id.to_json()}, {"method", method}};
  if (!params.is_null()) j["params"] = params;
  return dump(j);
}

std::string encode_notification(std::string_view method, const Json& params) {
  Json j = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) j["params"] = params;
  return dump(j);
}

}  // namespace mcp::json_rpc
