#include "mcp/auth/facade_form.hpp"

#include "mcp/util/percent_encoding.hpp"

namespace mcp::auth::form {

std::string encode(std::string_view text) {
  return util::percent_encode(text);
}

std::optional<std::string> decode(std::string_view text) {
  return util::percent_decode(text, true);
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
