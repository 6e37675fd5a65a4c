#pragma once
// Thin wrappers over OpenSSL 3 for what the protocol layers need: random
// bytes, SHA-256, HMAC-SHA256 and a constant-time comparison.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mcp::util {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Cryptographically secure random bytes; throws std::runtime_error only if
// the OS entropy source fails (it never does on Linux after boot).
std::string random_bytes(std::size_t n);

Sha256Digest sha256(std::string_view data);
std::string to_hex(std::string_view bytes);
bool constant_time_equal(std::string_view a, std::string_view b);

// A keyed HMAC-SHA256 signer. The EVP objects are fetched once, on first
// use, and reused. An empty key means a random per-process key.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  Sha256Digest sign(std::string_view data) const;
  // One-shot helper for keys used once (e.g. SigV4 derivation).
  static Sha256Digest sign(std::string_view key, std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::util
