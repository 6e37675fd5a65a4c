#pragma once
// JSON-RPC 2.0 message model and codec (strict envelopes).
//
// Ids are strings or integers, never null, fractional or boolean. Error
// objects are values (`Error`), mapped to HTTP statuses in one place by the
// transport.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mcp/util/expected.hpp"

namespace mcp::json_rpc {

using Json = nlohmann::json;

namespace code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// Implementation-defined range (-32000..-32019).
inline constexpr int kServerError = -32000;
inline constexpr int kSessionNotFound = -32001;
inline constexpr int kResourceNotFoundLegacy = -32002;
inline constexpr int kRequestCancelled = -32800;  // never sent: cancelled requests get no response
// Reserved by the 2026-07-28 revision.
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingRequiredClientCapability = -32021;
inline constexpr int kUnsupportedProtocolVersion = -32022;
}  // namespace code

class Id {
 public:
  Id() = default;
  Id(std::int64_t n) : v_(n) {}            // NOLINT(google-explicit-constructor)
  Id(std::string s) : v_(std::move(s)) {}  // NOLINT(google-explicit-constructor)

  static std::optional<Id> from_json(const Json& j);
  Json to_json() const;
  bool is_string() const { return v_.index() == 1; }
  std::string to_string() const;  // for logs and map keys ("s:" / "n:" prefixed)
  bool operator==(const Id&) const = default;

 private:
  std::variant<std::int64_t, std::string> v_{std::int64_t{0}};
};

struct Error {
  int code = code::kInternalError;
  std::string message;
  Json data;  // null when absent

  Json to_json() const;
  static Error parse_error(const std::string& detail = {});
  static Error invalid_request(const std::string& detail = {});
  static Error method_not_found(std::string_view method);
  static Error invalid_params(const std::string& detail);
  static Error internal(const std::string& detail = {});
};

struct Request {
  Id id;
  std::string method;
  Json params;  // object or null when absent
};

struct Notification {
  std::string method;
  Json params;
};

struct Response {
  Id id;
  std::optional<Json> result;  // exactly one of result / error
  std::optional<Error> error;
};

using Message = std::variant<Request, Notification, Response>;

// A message that failed validation, with the id when one could be read so the
// error can still be correlated.
struct Invalid {
  std::optional<Id> id;
  Error error;
};

using Parsed = std::variant<Request, Notification, Response, Invalid>;

// Validates one already-parsed JSON value as a JSON-RPC 2.0 message.
Parsed parse_message(const Json& j);

// The top-level shape of an HTTP body.
struct Body {
  bool is_batch = false;
  std::vector<Parsed> messages;
};
// Deepest array/object nesting accepted in a message.
inline constexpr std::size_t kMaxNestingDepth = 128;
// Nesting depth of JSON text (strings skipped), without parsing it.
std::size_t nesting_depth(std::string_view bytes);
// Parses bytes; a syntax error or nesting beyond kMaxNestingDepth yields a
// -32700 error, an empty batch -32600.
util::Expected<Body, Error> parse_body(std::string_view bytes);

// Encoders produce compact UTF-8 JSON (invalid UTF-8 in strings is replaced).
std::string encode_result(const Id& id, const Json& result);
std::string encode_error(const std::optional<Id>& id, const Error& error);
std::string encode_request(const Id& id, std::string_view method, const Json& params);
std::string encode_notification(std::string_view method, const Json& params);
std::string dump(const Json& j);

}  // namespace mcp::json_rpc
