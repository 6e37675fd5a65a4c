#include "mcp/lambda/response_format.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "mcp/json_rpc/message.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::lambda {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kDelimiter{"\0\0\0\0\0\0\0\0", 8};
constexpr std::string_view kDeadlineMessage =
    "The request did not finish before this Lambda invocation's deadline (the function timeout less a "
    "safety margin); retry with a smaller request or raise the function's timeout";

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Connection-level headers belong to each hop; API Gateway and Lambda set
// their own framing.
bool is_hop_header(std::string_view name) {
  return util::iequals(name, "connection") || util::iequals(name, "transfer-encoding") ||
         util::iequals(name, "content-length") || util::iequals(name, "keep-alive");
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (c < 0x80) {
      if (c == 0) return false;  // API Gateway treats text bodies as C strings
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (extra > 0 && i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

// headers (first value of each name), multiValueHeaders (all values) and,
// for 2.0, Set-Cookie values as cookies.
void put_headers(Json& out, const http::Headers& headers, PayloadFormat format, bool prelude) {
  Json single = Json::object();
  Json multi = Json::object();
  Json cookies = Json::array();
  for (const auto& h : headers.items()) {
    if (is_hop_header(h.name)) continue;
    const std::string name = util::to_lower(h.name);
    if (format == PayloadFormat::kHttp && name == "set-cookie") {
      cookies.push_back(h.value);
      continue;
    }
    multi[name].push_back(h.value);
    if (!single.contains(name)) single[name] = h.value;
  }
  if (format == PayloadFormat::kHttp) {
    // 2.0 has no multiValueHeaders: repeated values are comma-joined.
    for (auto& [name, values] : multi.items()) {
      std::string joined;
      for (const auto& v : values) {
        if (!joined.empty()) joined += ", ";
        joined += v.get_ref<const std::string&>();
      }
      single[name] = joined;
    }
    out["headers"] = std::move(single);
    if (!cookies.empty()) out["cookies"] = std::move(cookies);
    return;
  }
  if (prelude) {
    // API Gateway merges the two maps, multiValueHeaders winning: give
    // single-valued names in headers and the rest in multiValueHeaders.
    Json repeated = Json::object();
    for (auto& [name, values] : multi.items()) {
      if (values.size() > 1) {
        single.erase(name);
        repeated[name] = values;
      }
    }
    out["headers"] = std::move(single);
    if (!repeated.empty()) out["multiValueHeaders"] = std::move(repeated);
    return;
  }
  out["multiValueHeaders"] = std::move(multi);
}

std::optional<Json> request_id(const http::Request& request) {
  if (request.method != "POST") return std::nullopt;
  Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object()) return std::nullopt;
  const auto id = body.find("id");
  const auto method = body.find("method");
  if (id == body.end() || method == body.end() || !(id->is_string() || id->is_number_integer())) {
    return std::nullopt;
  }
  return *id;
}

std::string deadline_error_body(const Json& id) {
  return dump(Json{{"jsonrpc", "2.0"},
                   {"id", id},
                   {"error", {{"code", json_rpc::code::kServerError}, {"message", kDeadlineMessage}}}});
}

}  // namespace

std::string streaming_prelude(int status, const http::Headers& headers, PayloadFormat format) {
  Json prelude = Json::object();
  prelude["statusCode"] = status;
  put_headers(prelude, headers, format, true);
  std::string out = dump(prelude);
  out += kDelimiter;
  return out;
}

std::string buffered_response(const http::Response& response, PayloadFormat format) {
  Json doc = Json::object();
  doc["statusCode"] = response.status;
  put_headers(doc, response.headers, format, false);
  if (valid_utf8(response.body)) {
    doc["body"] = response.body;
    doc["isBase64Encoded"] = false;
  } else {
    doc["body"] = util::base64_encode(response.body);
    doc["isBase64Encoded"] = true;
  }
  return dump(doc);
}

std::string error_document(std::string_view type, std::string_view message) {
  return dump(Json{{"errorMessage", std::string(message)},
                   {"errorType", std::string(type)},
                   {"stackTrace", Json::array()}});
}

std::string error_trailers(std::string_view type, std::string_view message) {
  const std::string body =
      dump(Json{{"errorMessage", std::string(message)}, {"errorType", std::string(type)}});
  std::string out = "0\r\nLambda-Runtime-Function-Error-Type: ";
  out += type;
  out += "\r\nLambda-Runtime-Function-Error-Body: ";
  out += util::base64_encode(body);
  out += "\r\n\r\n";
  return out;
}

http::Response deadline_response(const http::Request& request) {
  http::Response response;
  response.status = 504;
  response.headers.set("Content-Type", "application/json");
  response.body = deadline_error_body(request_id(request).value_or(Json()));
  return response;
}

std::string deadline_event(const http::Request& request) {
  const auto id = request_id(request);
  if (!id) return {};
  return "event: message\ndata: " + deadline_error_body(*id) + "\n\n";
}

}  // namespace mcp::lambda
