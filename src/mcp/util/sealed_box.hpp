#pragma once
// Authenticated encryption of small blobs that the server hands out and later
// takes back (the login facade's client ids, transactions and codes), so that
// any instance holding the same secret can read them and nobody else can read
// or alter them. AES-256-GCM with a fresh 96-bit nonce per blob; the key is
// HKDF-SHA256(secret, info = purpose), so blobs sealed for one purpose never
// open under another. Output: base64url(nonce || ciphertext || tag).
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::util {

class SealedBox {
 public:
  // An empty `secret` means a random per-process key (blobs die with the process).
  SealedBox(std::string_view secret, std::string_view purpose);
  ~SealedBox();
  SealedBox(const SealedBox&) = delete;
  SealedBox& operator=(const SealedBox&) = delete;

  std::string seal(std::string_view plaintext) const;
  // nullopt when the text is not base64url, too short, or fails authentication.
  std::optional<std::string> open(std::string_view sealed) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::util
