#include <gtest/gtest.h>

#include "mcp/json_rpc/message.hpp"

using namespace mcp::json_rpc;

namespace {
Parsed parse(std::string_view text) {
  return parse_message(Json::parse(text));
}
template <class T>
const T& as(const Parsed& p) {
  EXPECT_TRUE(std::holds_alternative<T>(p));
  return std::get<T>(p);
}
}  // namespace

TEST(JsonRpc, ParsesRequestsNotificationsAndResponses) {
  const Parsed p1 = parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}})");
  EXPECT_EQ(as<Request>(p1).method, "tools/list");
  EXPECT_EQ(as<Request>(p1).id, Id(7));
  const Parsed p2 = parse(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})");
  EXPECT_EQ(as<Request>(p2).id, Id(std::string("abc")));
  EXPECT_TRUE(as<Request>(p2).params.is_null());
  const Parsed p3 = parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(as<Notification>(p3).method, "notifications/initialized");
  const Parsed p4 = parse(R"({"jsonrpc":"2.0","id":1,"result":{}})");
  EXPECT_TRUE(as<Response>(p4).result.has_value());
  const Parsed p5 = parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}})");
  EXPECT_EQ(as<Response>(p5).error->code, -1);
}

struct InvalidCase {
  const char* name;
  const char* json;
  bool id_known;
};

void PrintTo(const InvalidCase& c, std::ostream* os) {
  *os << c.name;
}

class JsonRpcInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(JsonRpcInvalid, IsInvalidRequest) {
  const auto p = parse(GetParam().json);
  ASSERT_TRUE(std::holds_alternative<Invalid>(p)) << GetParam().name;
  const auto& inv = std::get<Invalid>(p);
  EXPECT_EQ(inv.error.code, code::kInvalidRequest);
  EXPECT_EQ(inv.id.has_value(), GetParam().id_known);
}

INSTANTIATE_TEST_SUITE_P(
    Envelopes, JsonRpcInvalid,
    ::testing::Values(
        InvalidCase{"not an object", R"([1])", false},
        InvalidCase{"null id", R"({"jsonrpc":"2.0","id":null,"method":"x"})", false},
        InvalidCase{"float id", R"({"jsonrpc":"2.0","id":1.5,"method":"x"})", false},
        InvalidCase{"bool id", R"({"jsonrpc":"2.0","id":true,"method":"x"})", false},
        InvalidCase{"wrong version", R"({"jsonrpc":"1.0","id":1,"method":"x"})", true},
        InvalidCase{"missing version", R"({"id":1,"method":"x"})", true},
        InvalidCase{"empty method", R"({"jsonrpc":"2.0","id":1,"method":""})", true},
        InvalidCase{"numeric method", R"({"jsonrpc":"2.0","id":1,"method":5})", true},
        InvalidCase{"scalar params", R"({"jsonrpc":"2.0","id":1,"method":"x","params":3})", true},
        InvalidCase{"result and error", R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})", true},
        InvalidCase{"neither", R"({"jsonrpc":"2.0","id":1})", true},
        InvalidCase{"result without id", R"({"jsonrpc":"2.0","result":{}})", false},
        InvalidCase{"malformed error", R"({"jsonrpc":"2.0","id":1,"error":{"code":"x"}})", true}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (auto& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(JsonRpc, BodyParsing) {
  auto bad = parse_body("{not json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, code::kParseError);
  auto empty = parse_body("[]");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, code::kInvalidRequest);
  auto batch = parse_body(R"([{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","id":1,"method":"b"}])");
  ASSERT_TRUE(batch);
  EXPECT_TRUE(batch->is_batch);
  EXPECT_EQ(batch->messages.size(), 2u);
}

TEST(JsonRpc, EncodersProduceStrictEnvelopes) {
  EXPECT_EQ(encode_result(Id(3), Json::object()), R"({"jsonrpc":"2.0","id":3,"result":{}})");
  EXPECT_EQ(encode_error(Id(std::string("a")), Error::method_not_found("nope")),
            R"({"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"Method not found: nope"}})");
  EXPECT_EQ(encode_error(std::nullopt, Error::parse_error()),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  EXPECT_EQ(encode_notification("notifications/initialized", nullptr),
            R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  // Invalid UTF-8 never makes encoding throw.
  EXPECT_NO_THROW(encode_result(Id(1), Json{{"text", std::string("\xff\xfe")}}));
}

TEST(JsonRpc, RefusesHostileNesting) {
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  auto r = parse_body(R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)" + deep + "}}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code::kParseError);
  EXPECT_EQ(nesting_depth(R"({"a":"[[[[","b":[{"c":"\"]"}]})"), 3u);
  EXPECT_TRUE(parse_body(std::string(100, '[') + std::string(100, ']')));
}
