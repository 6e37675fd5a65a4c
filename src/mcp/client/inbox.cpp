#include "mcp/client/inbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <variant>

namespace mcp::client {

Inbox::Inbox() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

Inbox::~Inbox() {
  if (fd_ >= 0) ::close(fd_);
}

void Inbox::sync_fd_locked() {
  if (fd_ < 0) return;
  const bool want = !items_.empty();
  if (want == signalled_) return;
  std::uint64_t v = 1;
  if (want) {
    if (::write(fd_, &v, sizeof v) == sizeof v) signalled_ = true;
  } else {
    if (::read(fd_, &v, sizeof v) == sizeof v) signalled_ = false;
  }
}

void Inbox::push(Incoming item) {
  {
    std::lock_guard lock(mu_);
    const bool droppable =
        item.kind == Incoming::Kind::kTrace || (item.kind == Incoming::Kind::kMessage &&
                                                std::holds_alternative<json_rpc::Notification>(item.message));
    if (droppable && items_.size() >= kMaxItems) {
      ++dropped_;
      return;
    }
    if (dropped_ > 0 && items_.size() < kMaxItems) {
      Incoming note;
      note.detail =
          std::to_string(dropped_) + " notifications or trace lines dropped: the client fell behind";
      items_.push_back(std::move(note));
      dropped_ = 0;
    }
    items_.push_back(std::move(item));
    sync_fd_locked();
  }
  cv_.notify_one();
}

std::optional<Incoming> Inbox::pop_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [this] { return !items_.empty(); })) return std::nullopt;
  Incoming item = std::move(items_.front());
  items_.pop_front();
  sync_fd_locked();
  return item;
}

std::optional<Incoming> Inbox::try_pop() {
  std::lock_guard lock(mu_);
  if (items_.empty()) return std::nullopt;
  Incoming item = std::move(items_.front());
  items_.pop_front();
  sync_fd_locked();
  return item;
}

}  // namespace mcp::client
