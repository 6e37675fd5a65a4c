#include "mcp/auth/facade_form.hpp"

namespace mcp::auth::form {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<Fields> Fields::parse(std::string_view text) {
  Fields out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const auto piece = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    auto name = decode(piece.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.items_.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<std::string_view> Fields::get(std::string_view name) const {
  std::optional<std::string_view> found;
  for (const auto& [k, v] : items_) {
    if (k != name) continue;
    if (found) return std::nullopt;
    found = v;
  }
  if (found && found->empty()) return std::nullopt;
  return found;
}

std::size_t Fields::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& item : items_) n += item.first == name ? 1 : 0;
  return n;
}

std::optional<std::string> Fields::repeated(std::initializer_list<std::string_view> names) const {
  for (auto name : names) {
    if (count(name) > 1) return std::string(name);
  }
  return std::nullopt;
}

std::string build(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += encode(k);
    out += '=';
    out += encode(v);
  }
  return out;
}

std::string append_query(std::string_view url, const Params& params) {
  std::string out(url);
  if (params.empty()) return out;
  if (out.find('?') == std::string::npos) {
    out += '?';
  } else if (out.back() != '?' && out.back() != '&') {
    out += '&';
  }
  return out + build(params);
}

}  // namespace mcp::auth::form
