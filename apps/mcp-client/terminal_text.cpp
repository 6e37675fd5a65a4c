#include "terminal_text.hpp"

#include <array>

namespace mcp_cli {

namespace {

// The SGR sequences Console::paint emits (reset, bold, dim, colours).
constexpr std::array<std::string_view, 10> kOwnCodes = {"\x1b[0m",  "\x1b[1m",  "\x1b[2m",  "\x1b[31m",
                                                        "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m",
                                                        "\x1b[36m", "\r\x1b[K"};

std::string_view own_code_at(std::string_view text, std::size_t i) {
  for (const auto code : kOwnCodes) {
    if (text.substr(i, code.size()) == code) return code;
  }
  return {};
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\x1b' || c == '\r') {
      if (const auto code = own_code_at(text, i); !code.empty()) {
        out += code;
        i += code.size() - 1;
        continue;
      }
    }
    if (c < 0x20 && c != '\n' && c != '\t') {
      out += '^';
      out += static_cast<char>(c + 0x40);  // ^[ for ESC, ^G for BEL
    } else if (c == 0x7F) {
      out += "^?";
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      // C1 controls (U+0080..U+009F, e.g. the 8-bit CSI) in UTF-8.
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      out += "\\u00";
      out += kHex[c1 >> 4];
      out += kHex[c1 & 0xF];
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace mcp_cli
