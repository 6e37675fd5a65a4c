#pragma once
// Internal: the state of one request being answered by a handler. Shared by
// the dispatcher (server.cpp) and the handler context (context.cpp).
#include <coroutine>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mcp/protocol/server.hpp"
#include "mcp/protocol/tasks.hpp"

namespace mcp::detail {

struct CallState : CallHandle, std::enable_shared_from_this<CallState> {
  Server::Impl* server = nullptr;
  json_rpc::Request request;
  RequestInfo info;
  std::shared_ptr<RequestChannel> channel;
  Executor* executor = nullptr;
  std::function<void(CallOutcome)> done;

  Json progress_token;  // null when absent

  bool cancelled = false;
  bool finished = false;
  std::coroutine_handle<> driver;         // the root coroutine while it runs
  std::shared_ptr<CallState> keep_alive;  // self-reference until finished or cancelled
  std::vector<Executor::TimerId> timers;

  // Multi-round-trip input for modern requests: answers so far (from the
  // signed requestState and this request's inputResponses), the number of
  // questions asked in this run, and those still unanswered.
  Json input_responses = Json::object();
  std::size_t asked = 0;
  std::vector<std::pair<std::string, InputRequest>> missing_inputs;
  bool input_required = false;

  // Set when the call runs as a task: answers to questions then arrive with
  // tasks/update instead of a retried request.
  std::shared_ptr<struct TaskRecord> task;
  TaskSupport task_support = TaskSupport::kForbidden;

  ~CallState() override;
  void cancel() override;

  // Called once by the root coroutine with its outcome.
  void finish(CallOutcome outcome);
  // Ends a modern request with an input_required result (posted, so the
  // handler coroutine is suspended when it is destroyed).
  void finish_input_required();
  void destroy_driver();
  bool alive() const { return !cancelled && !finished; }
  TaskStore& server_tasks();
  Json decorate(Json result);  // 2026-07-28 envelope fields for `info`
};

}  // namespace mcp::detail
