#include "mcp/transport/sse_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mcp::transport {
namespace {

std::vector<SseEvent> feed_in_pieces(SseParser& p, std::string_view text, std::size_t piece) {
  std::vector<SseEvent> out;
  for (std::size_t i = 0; i < text.size(); i += piece) {
    p.feed(text.substr(i, piece), [&](SseEvent&& e) { out.push_back(std::move(e)); });
  }
  return out;
}

TEST(SseParser, EventsSplitAtEveryByteBoundaryComeOutWhole) {
  const std::string text =
      "\xEF\xBB\xBFid: e1\r\nretry: 500\r\ndata: \r\n\r\n: keep-alive\n"
      "event: message\rid: e2\rdata: {\"a\":\r\ndata: 1}\r\r"
      "data:x\n\n";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    SseParser p;
    const auto events = feed_in_pieces(p, text, piece);
    ASSERT_EQ(events.size(), 3u) << "piece size " << piece;
    EXPECT_EQ(events[0].data, "");  // priming event: dispatched, empty data
    EXPECT_EQ(events[0].id, "e1");
    EXPECT_EQ(events[1].type, "message");
    EXPECT_EQ(events[1].data, "{\"a\":\n1}");
    EXPECT_EQ(events[1].id, "e2");
    EXPECT_EQ(events[2].data, "x");  // no space after the colon
    EXPECT_EQ(events[2].id, "e2");   // the last id stays in effect
    EXPECT_EQ(p.last_event_id(), "e2");
    ASSERT_TRUE(p.retry().has_value());
    EXPECT_EQ(p.retry()->count(), 500);
  }
}

TEST(SseParser, IgnoresInvalidRetryAndEventsWithoutData) {
  SseParser p;
  std::vector<SseEvent> out;
  p.feed("retry: 12a\nid: only-id\n\nevent: ping\n\n", [&](SseEvent&& e) { out.push_back(std::move(e)); });
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(p.retry().has_value());
  EXPECT_EQ(p.last_event_id(), "only-id");  // the id still counts for resumption
}

TEST(SseParser, UnfinishedEventIsNotDispatched) {
  SseParser p;
  int n = 0;
  p.feed("data: half", [&](SseEvent&&) { ++n; });
  EXPECT_EQ(n, 0);
  p.feed("\n\n", [&](SseEvent&& e) {
    ++n;
    EXPECT_EQ(e.data, "half");
  });
  EXPECT_EQ(n, 1);
}

TEST(SseParser, StopsAtTheSizeLimit) {
  SseParser p(16);
  int n = 0;
  EXPECT_FALSE(p.feed("data: 0123456789abcdefXYZ\n\n", [&](SseEvent&&) { ++n; }));
  EXPECT_TRUE(p.overflowed());
  EXPECT_FALSE(p.feed("data: ok\n\n", [&](SseEvent&&) { ++n; }));
  EXPECT_EQ(n, 0);
  SseParser q(16);
  EXPECT_FALSE(q.feed(std::string(40, 'x'), [&](SseEvent&&) { ++n; }));  // one endless line
}

}  // namespace
}  // namespace mcp::transport
