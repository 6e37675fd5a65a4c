#pragma once
// Internal: the io.modelcontextprotocol/tasks extension (2026-07-28). A tool
// call that becomes a task answers at once with a handle; the handler keeps
// running on the executor, its questions wait for tasks/update, and its
// outcome is kept (bounded, for the task's TTL) for tasks/get.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "mcp/json_rpc/message.hpp"
#include "mcp/protocol/context.hpp"
#include "mcp/util/expected.hpp"

namespace mcp::detail {

struct CallState;

inline constexpr std::string_view kTasksExtension = "io.modelcontextprotocol/tasks";
bool declares_tasks(const Json& client_capabilities);
json_rpc::Error missing_tasks_capability();

struct TaskRecord {
  std::string id;
  std::string status = "working";  // working | input_required | completed | failed | cancelled
  std::string created_at;
  std::string updated_at;
  std::int64_t ttl_ms = 0;
  std::int64_t poll_interval_ms = 0;
  std::chrono::steady_clock::time_point expires_at = std::chrono::steady_clock::time_point::max();
  Json result;  // completed
  Json error;   // failed
  struct PendingInput {
    InputRequest request;
    ReplyCallback reply;
  };
  std::map<std::string, PendingInput> inputs;  // unanswered questions by key
  std::size_t next_key = 0;
  std::weak_ptr<CallState> call;

  bool terminal() const { return status == "completed" || status == "failed" || status == "cancelled"; }
  void touch();
  void finish(util::Expected<Json, json_rpc::Error> outcome);
  Json create_result() const;  // CreateTaskResult (flat)
  Json detail() const;         // DetailedTask for tasks/get
};

// The channel of a call after it became a task: questions become pending
// inputs of the task; notifications have no stream to go to and are dropped.
class TaskChannel final : public RequestChannel {
 public:
  explicit TaskChannel(std::shared_ptr<TaskRecord> record) : record_(std::move(record)) {}
  void notify(std::string_view, const Json&) override {}
  void request(std::string_view method, const Json& params, ReplyCallback on_reply,
               std::string_view key) override;
  void close_stream(std::chrono::milliseconds) override {}

 private:
  std::shared_ptr<TaskRecord> record_;
};

class TaskStore {
 public:
  TaskStore(std::size_t max_tasks, std::chrono::milliseconds ttl, std::chrono::milliseconds poll_interval)
      : max_tasks_(max_tasks), ttl_(ttl), poll_interval_(poll_interval) {}

  // Nullptr when the store is full of unfinished tasks.
  std::shared_ptr<TaskRecord> create();
  std::shared_ptr<TaskRecord> find(const std::string& id);

  // tasks/get, tasks/update, tasks/cancel; the caller has checked the
  // capability and the routing headers.
  util::Expected<Json, json_rpc::Error> handle(std::string_view method, const Json& params,
                                               Executor& executor);

 private:
  void purge();
  std::size_t max_tasks_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds poll_interval_;
  std::unordered_map<std::string, std::shared_ptr<TaskRecord>> tasks_;
};

}  // namespace mcp::detail
