#include "mcp/lambda/event.hpp"

#include <nlohmann/json.hpp>

#include "mcp/util/base64.hpp"
#include "mcp/util/percent_encoding.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::lambda {

namespace {

using Json = nlohmann::json;
using Result = util::Expected<Event, EventError>;

Result malformed(std::string message) {
  return util::unexpected(EventError{false, std::move(message)});
}

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string string_member(const Json& object, std::string_view key) {
  const Json* v = member(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// The forwarding headers describe API Gateway's view of the request; a
// caller's own copies must not reach the public URL logic.
bool is_forwarding_header(std::string_view name) {
  return util::iequals(name, "x-forwarded-host") || util::iequals(name, "x-forwarded-prefix") ||
         util::iequals(name, "forwarded");
}

void append_query(std::string& query, std::string_view key, std::string_view value) {
  if (!query.empty()) query += '&';
  query += util::percent_encode(key);
  query += '=';
  query += util::percent_encode(value);
}

bool decode_body(const Json& event, Event& out, std::string& error) {
  const Json* body = member(event, "body");
  if (body == nullptr) return true;
  if (!body->is_string()) {
    error = "body is not a string";
    return false;
  }
  const Json* b64 = member(event, "isBase64Encoded");
  if (b64 != nullptr && b64->is_boolean() && b64->get<bool>()) {
    auto bytes = util::base64_decode(body->get_ref<const std::string&>());
    if (!bytes) {
      error = "body is not valid base64 although isBase64Encoded is true";
      return false;
    }
    out.request.body = std::move(*bytes);
  } else {
    out.request.body = body->get<std::string>();
  }
  return true;
}

// Scheme, host and stage prefix as API Gateway saw them.
void add_forwarding(Event& out, const Json& context, const std::string& prefix) {
  http::Headers& headers = out.request.headers;
  std::string proto;
  if (auto p = headers.get("x-forwarded-proto")) {
    // API Gateway sets it (a caller's value is replaced); the last hop counts.
    const auto comma = p->rfind(',');
    proto = util::to_lower(util::trim(comma == std::string_view::npos ? *p : p->substr(comma + 1)));
  }
  if (proto != "http" && proto != "https") proto = "https";
  headers.set("X-Forwarded-Proto", proto);
  std::string host = string_member(context, "domainName");
  if (host.empty()) host = std::string(headers.get("host").value_or(""));
  if (!host.empty()) headers.set("X-Forwarded-Host", host);
  if (!prefix.empty()) headers.set("X-Forwarded-Prefix", prefix);
}

Result decode_rest(const Json& event) {
  Event out;
  out.format = PayloadFormat::kRest;
  const Json& context = event.contains("requestContext") ? event["requestContext"] : Json::object();
  out.request.method = upper(string_member(event, "httpMethod"));
  std::string path = string_member(event, "path");
  if (path.empty() || path.front() != '/') return malformed("the event's path is missing or not absolute");

  // requestContext.path is the path the caller used: the stage (or a custom
  // domain's base path) followed by the resource path.
  std::string prefix;
  const std::string public_path = string_member(context, "path");
  if (public_path.size() > path.size() &&
      public_path.compare(public_path.size() - path.size(), path.size(), path) == 0) {
    prefix = public_path.substr(0, public_path.size() - path.size());
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  }
  out.stage = string_member(context, "stage");

  std::string query;
  if (const Json* multi = member(event, "multiValueQueryStringParameters"); multi && multi->is_object()) {
    for (const auto& [key, values] : multi->items()) {
      if (!values.is_array()) continue;
      for (const auto& v : values)
        if (v.is_string()) append_query(query, key, v.get_ref<const std::string&>());
    }
  } else if (const Json* single = member(event, "queryStringParameters"); single && single->is_object()) {
    for (const auto& [key, v] : single->items())
      if (v.is_string()) append_query(query, key, v.get_ref<const std::string&>());
  }
  out.request.target = path + (query.empty() ? "" : "?" + query);

  if (const Json* multi = member(event, "multiValueHeaders"); multi && multi->is_object()) {
    for (const auto& [name, values] : multi->items()) {
      if (!values.is_array() || is_forwarding_header(name)) continue;
      for (const auto& v : values)
        if (v.is_string()) out.request.headers.add(name, v.get<std::string>());
    }
  } else if (const Json* single = member(event, "headers"); single && single->is_object()) {
    for (const auto& [name, v] : single->items())
      if (v.is_string() && !is_forwarding_header(name)) out.request.headers.add(name, v.get<std::string>());
  }
  if (const Json* identity = member(context, "identity"))
    out.request.remote_address = string_member(*identity, "sourceIp");

  std::string error;
  if (!decode_body(event, out, error)) return malformed(error);
  add_forwarding(out, context, prefix);
  return out;
}

Result decode_http(const Json& event) {
  Event out;
  out.format = PayloadFormat::kHttp;
  const Json& context = event.contains("requestContext") ? event["requestContext"] : Json::object();
  const Json* http = member(context, "http");
  if (http == nullptr) return malformed("requestContext.http is missing");
  out.request.method = upper(string_member(*http, "method"));
  std::string path = string_member(event, "rawPath");
  if (path.empty()) path = string_member(*http, "path");
  if (path.empty() || path.front() != '/') return malformed("the event's rawPath is missing or not absolute");

  // A named HTTP API stage stays in rawPath; $default (and Function URLs) has none.
  std::string prefix;
  std::string stage = string_member(context, "stage");
  if (stage == "$default") stage.clear();
  if (!stage.empty()) {
    const std::string stage_path = "/" + stage;
    if (path == stage_path) {
      path = "/";
      prefix = stage_path;
    } else if (path.starts_with(stage_path + "/")) {
      path.erase(0, stage_path.size());
      prefix = stage_path;
    }
  }
  out.stage = stage;
  const std::string query = string_member(event, "rawQueryString");
  out.request.target = path + (query.empty() ? "" : "?" + query);

  if (const Json* headers = member(event, "headers"); headers && headers->is_object()) {
    for (const auto& [name, v] : headers->items())
      if (v.is_string() && !is_forwarding_header(name)) out.request.headers.add(name, v.get<std::string>());
  }
  // Payload 2.0 moves Cookie headers into an array.
  if (const Json* cookies = member(event, "cookies"); cookies && cookies->is_array() && !cookies->empty()) {
    std::string joined;
    for (const auto& c : *cookies) {
      if (!c.is_string()) continue;
      if (!joined.empty()) joined += "; ";
      joined += c.get_ref<const std::string&>();
    }
    if (!joined.empty()) out.request.headers.set("cookie", joined);
  }
  out.request.remote_address = string_member(*http, "sourceIp");

  std::string error;
  if (!decode_body(event, out, error)) return malformed(error);
  add_forwarding(out, context, prefix);
  return out;
}

}  // namespace

util::Expected<Event, EventError> decode_event(std::string_view json) {
  Json event = Json::parse(json, nullptr, false);
  if (event.is_discarded() || !event.is_object()) {
    return util::unexpected(EventError{true, "the event is not a JSON object"});
  }
  if (string_member(event, "version") == "2.0" && member(event, "requestContext") != nullptr) {
    return decode_http(event);
  }
  if (member(event, "httpMethod") != nullptr) return decode_rest(event);
  return util::unexpected(
      EventError{true, "not an API Gateway or Function URL HTTP event (expected payload format 1.0 or 2.0)"});
}

}  // namespace mcp::lambda
