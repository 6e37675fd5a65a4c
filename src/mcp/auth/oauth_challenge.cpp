#include "mcp/auth/oauth_challenge.hpp"

#include <algorithm>
#include <cctype>

#include "mcp/util/strings.hpp"

namespace mcp::auth::oauth {

namespace {

// RFC 9110 tchar, plus '/' so that a token68 (base64) reads as one piece.
bool token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u) != 0) return true;
  return std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void skip_separators() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == ',')) ++pos_;
  }
  std::string_view token() {
    const auto start = pos_;
    while (!done() && token_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  void advance() { ++pos_; }
  // After the opening quote; stops at the closing quote or the end.
  std::string quoted() {
    std::string out;
    while (!done()) {
      const char c = text_[pos_++];
      if (c == '"') break;
      if (c == '\\' && !done()) {
        out += text_[pos_++];
      } else {
        out += c;
      }
    }
    return out;
  }
  // Skips what cannot start a token (stray characters) so parsing always ends.
  void skip_junk() {
    while (!done() && !token_char(text_[pos_]) && text_[pos_] != ',') {
      if (text_[pos_++] == '"') quoted();
    }
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string_view> BearerChallenge::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (util::iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<BearerChallenge> parse_bearer_challenge(std::string_view header_value) {
  return parse_challenge(header_value, "Bearer");
}

std::optional<BearerChallenge> parse_challenge(std::string_view header_value, std::string_view scheme) {
  Reader in(header_value);
  std::optional<BearerChallenge> bearer;
  bool in_bearer = false;
  for (;;) {
    in.skip_separators();
    if (in.done()) break;
    const std::string_view word = in.token();
    if (word.empty()) {
      in.skip_junk();
      continue;
    }
    in.skip_space();
    if (in.peek() == '=') {
      in.advance();
      in.skip_space();
      std::string value;
      if (in.peek() == '"') {
        in.advance();
        value = in.quoted();
      } else if (in.peek() == '=' || in.peek() == ',' || in.done()) {
        // token68 padding ("abc=="), not a parameter
        while (in.peek() == '=') in.advance();
        continue;
      } else {
        value = std::string(in.token());
      }
      if (in_bearer && !bearer->param(word))
        bearer->params.emplace_back(util::to_lower(word), std::move(value));
      continue;
    }
    // A bare word starts a new challenge (or is a token68, which Bearer and DPoP never use).
    if (in_bearer) break;  // the first matching challenge is complete
    if (util::iequals(word, scheme)) {
      bearer.emplace();
      bearer->scheme = std::string(word);
      in_bearer = true;
    }
  }
  if (!bearer) return std::nullopt;
  for (const auto& [k, v] : bearer->params) {
    if (k == "resource_metadata") bearer->resource_metadata = v;
    if (k == "scope") bearer->scope = v;
    if (k == "error") bearer->error = v;
    if (k == "error_description") bearer->error_description = v;
  }
  return bearer;
}

std::optional<BearerChallenge> find_bearer_challenge(const http::Headers& headers) {
  return find_challenge(headers, "Bearer");
}

std::optional<BearerChallenge> find_challenge(const http::Headers& headers, std::string_view scheme) {
  for (const auto& h : headers.items()) {
    if (!util::iequals(h.name, "WWW-Authenticate")) continue;
    if (auto c = parse_challenge(h.value, scheme)) return c;
  }
  return std::nullopt;
}

std::optional<BearerChallenge> find_oauth_challenge(const http::Headers& headers) {
  if (auto bearer = find_bearer_challenge(headers)) return bearer;
  return find_challenge(headers, "DPoP");
}

}  // namespace mcp::auth::oauth
