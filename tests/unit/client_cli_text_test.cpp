// Pieces of the mcp-client CLI that handle server-controlled text.
#include <gtest/gtest.h>

#include "json_fields.hpp"
#include "terminal_text.hpp"

namespace mcp_cli {
namespace {

TEST(TerminalText, ShowsControlCharactersInsteadOfSendingThem) {
  EXPECT_EQ(terminal_safe("plain text\twith tab\nand newline"), "plain text\twith tab\nand newline");
  // Screen clearing, window title (OSC ... BEL), clipboard (OSC 52), bell.
  EXPECT_EQ(terminal_safe("\x1b[2Jx"), "^[[2Jx");
  EXPECT_EQ(terminal_safe("\x1b]0;title\x07"), "^[]0;title^G");
  EXPECT_EQ(terminal_safe("\x1b]52;c;ZXZpbA==\x07"), "^[]52;c;ZXZpbA==^G");
  EXPECT_EQ(terminal_safe("a\rb\x7f"), "a^Mb^?");
  // The 8-bit CSI as UTF-8 (U+009B), and other C1 controls.
  EXPECT_EQ(terminal_safe("\xc2\x9b"
                          "2J"),
            "\\u009b2J");
  EXPECT_EQ(terminal_safe("caf\xc3\xa9"), "caf\xc3\xa9");  // ordinary UTF-8 stays
}

TEST(TerminalText, KeepsOnlyTheClientsOwnColours) {
  EXPECT_EQ(terminal_safe("\x1b[31mred\x1b[0m"), "\x1b[31mred\x1b[0m");
  EXPECT_EQ(terminal_safe("\r\x1b[Kstatus"), "\r\x1b[Kstatus");
  EXPECT_EQ(terminal_safe("\x1b[38;5;1mx"), "^[[38;5;1mx");  // not one of ours
}

TEST(JsonFields, NeverThrowOnMistypedServerData) {
  const Json j = Json::parse(R"({"level": 3, "data": "x", "items": {"a": 1}, "flag": "yes", "n": 2.5})");
  EXPECT_EQ(text_of(j, "level", "info"), "info");  // nlohmann's value() would throw here
  EXPECT_EQ(text_of(j, "data"), "x");
  EXPECT_TRUE(array_of(j, "items").is_array());
  EXPECT_TRUE(array_of(j, "items").empty());
  EXPECT_EQ(object_of(j, "items").size(), 1u);
  EXPECT_FALSE(flag_of(j, "flag"));
  EXPECT_EQ(number_of(j, "n"), 2.5);
  EXPECT_TRUE(any_of(j, "missing").is_null());
  EXPECT_EQ(text_of(Json::array(), "x", "d"), "d");  // not an object at all
}

}  // namespace
}  // namespace mcp_cli
