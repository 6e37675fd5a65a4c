#pragma once
// The facade's redeemed authorization codes, remembered until they expire so
// that each is exchanged once per instance (the upstream code inside is
// single-use anyway, which covers other instances). Bounded: past the cap the
// oldest entries are forgotten first.
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

namespace mcp::auth {

class UsedCodes {
 public:
  explicit UsedCodes(std::size_t cap) : cap_(cap == 0 ? 1 : cap) {}

  // Records `jti` until `exp`; false if it is already recorded.
  bool insert(const std::string& jti, std::int64_t exp, std::int64_t now) {
    while (!order_.empty() && order_.front().first <= now) pop();
    if (expiry_.count(jti) != 0) return false;
    while (expiry_.size() >= cap_) pop();
    expiry_.emplace(jti, exp);
    order_.emplace_back(exp, jti);
    return true;
  }
  std::size_t size() const { return expiry_.size(); }

 private:
  void pop() {
    expiry_.erase(order_.front().second);
    order_.pop_front();
  }

  std::size_t cap_;
  std::unordered_map<std::string, std::int64_t> expiry_;
  std::deque<std::pair<std::int64_t, std::string>> order_;  // insertion order, close to expiry order
};

}  // namespace mcp::auth
