#pragma once
// The parts of an http(s) URL the aws module needs: the Host header (with a
// non-default port), the path to sign, and the host to vet (container
// credentials endpoint).
#include <optional>
#include <string>
#include <string_view>

namespace aws {

struct Url {
  std::string scheme;  // "http" | "https" (lower case)
  std::string host;    // lower case; an IPv6 literal keeps its brackets
  int port = 0;        // 0: the scheme's default
  std::string path = "/";
  std::string query;  // without '?'

  // host[:port], the port only when it is not the scheme's default.
  std::string authority() const;
  // scheme://authority, for messages (never the query, which may hold secrets).
  std::string origin() const;
};

// nullopt for anything but an absolute http(s) URL without user info.
std::optional<Url> parse_url(std::string_view text);

// A configured URL for error messages: without user info, query or fragment
// (which may hold secrets).
std::string redact_url(std::string_view text);

}  // namespace aws
