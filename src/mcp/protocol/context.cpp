#include "mcp/protocol/context.hpp"

#include <fmt/format.h>

#include "mcp/protocol/call_state.hpp"
#include "mcp/protocol/error.hpp"
#include "mcp/protocol/tasks.hpp"

namespace mcp {

using detail::CallState;
using detail::declares_tasks;
using detail::TaskChannel;

protocol::Version Context::version() const {
  return state_->info.version;
}
const Json& Context::client_capabilities() const {
  return state_->info.client_capabilities;
}
const Json& Context::client_info() const {
  return state_->info.client_info;
}
std::optional<std::chrono::steady_clock::time_point> Context::deadline() const {
  return state_->info.deadline;
}
const Json& Context::meta() const {
  static const Json kNone;
  const Json& params = state_->request.params;
  if (!params.is_object()) return kNone;
  const auto it = params.find("_meta");
  return it == params.end() ? kNone : *it;
}
const std::string& Context::session_id() const {
  return state_->info.session_id;
}
const AuthInfo* Context::auth() const {
  return state_->info.auth.get();
}
Executor& Context::executor() const {
  return *state_->executor;
}
bool Context::cancelled() const {
  return state_->cancelled;
}
bool Context::has_progress_token() const {
  return !state_->progress_token.is_null();
}

void Context::progress(double progress, std::optional<double> total, std::string message) {
  if (!has_progress_token() || !state_->alive()) return;
  Json params = {{"progressToken", state_->progress_token}, {"progress", progress}};
  if (total) params["total"] = *total;
  if (!message.empty()) params["message"] = std::move(message);
  state_->channel->notify("notifications/progress", params);
}

void Context::log(LoggingLevel level, Json data, std::string logger) {
  const auto& info = state_->info;
  if (!state_->alive() || !info.logging_enabled || level < info.min_log_level) return;
  Json params = {{"level", to_string(level)}, {"data", std::move(data)}};
  if (!logger.empty()) params["logger"] = std::move(logger);
  state_->channel->notify("notifications/message", params);
}

namespace {

struct SleepAwaiter {
  CallState* state;
  std::chrono::milliseconds delay;

  bool await_ready() const noexcept { return delay.count() <= 0; }
  void await_suspend(std::coroutine_handle<> h) {
    std::weak_ptr<CallState> weak = state->weak_from_this();
    state->timers.push_back(state->executor->post_after(delay, [weak, h] {
      if (auto s = weak.lock(); s && s->alive()) h.resume();
    }));
  }
  void await_resume() const noexcept {}
};

// Questions sent over the request's channel (legacy server->client requests,
// or a task's pending inputs), all at once; resumed when every one is answered.
struct RepliesAwaiter {
  CallState* state;
  std::vector<InputRequest> requests;
  std::vector<Json> answers;
  std::optional<json_rpc::Error> error;
  std::size_t remaining = 0;
  bool sending = false;

  bool await_ready() const noexcept { return requests.empty(); }
  bool await_suspend(std::coroutine_handle<> h) {
    remaining = requests.size();
    answers.resize(requests.size());
    sending = true;
    std::weak_ptr<CallState> weak = state->weak_from_this();
    for (std::size_t i = 0; i < requests.size(); ++i) {
      state->channel->request(
          requests[i].method, requests[i].params,
          [this, weak, h, i](util::Expected<Json, json_rpc::Error> r) {
            auto s = weak.lock();
            if (!s || !s->alive()) return;
            if (!r) {
              if (!error) error = r.error();
            } else {
              answers[i] = std::move(*r);
            }
            if (--remaining == 0 && !sending) h.resume();
          },
          requests[i].key);
    }
    sending = false;
    return remaining > 0;  // every answer already there: carry on
  }
  std::vector<Json> await_resume() {
    if (error) throw McpError(*error);
    return std::move(answers);
  }
};

struct BecomeTaskAwaiter {
  CallState* state;

  bool await_ready() const {
    const auto& st = *state;
    return st.task || st.task_support == TaskSupport::kForbidden || !protocol::is_modern(st.info.version) ||
           !declares_tasks(st.info.client_capabilities);
  }
  bool await_suspend(std::coroutine_handle<>) {
    auto& st = *state;
    auto record = st.server_tasks().create();
    if (!record) return false;  // store full: run inline instead
    record->call = state->weak_from_this();
    st.task = record;
    auto answer = std::move(st.done);
    st.channel = std::make_shared<TaskChannel>(record);
    st.done = [record](CallOutcome outcome) {
      record->finish(std::move(outcome));
    };
    answer(st.decorate(record->create_result()));
    return false;  // keep running, now in the background
  }
  void await_resume() const noexcept {}
};

// Modern: a question without an answer yet ends this run of the handler.
struct InputRequiredAwaiter {
  CallState* state;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) {
    state->input_required = true;
    std::weak_ptr<CallState> weak = state->weak_from_this();
    state->executor->post([weak] {
      if (auto s = weak.lock(); s && s->alive()) s->finish_input_required();
    });
  }
  void await_resume() const noexcept {}
};

std::string_view capability_for(std::string_view method) {
  if (method == "elicitation/create") return "elicitation";
  if (method == "sampling/createMessage") return "sampling";
  if (method == "roots/list") return "roots";
  return {};
}

}  // namespace

Task<void> Context::sleep(std::chrono::milliseconds delay) {
  SleepAwaiter awaiter{state_, delay};
  co_await awaiter;
}

Task<std::vector<Json>> Context::ask(std::vector<InputRequest> requests) {
  for (const auto& r : requests) {
    const auto cap = capability_for(r.method);
    if (cap.empty())
      throw McpError(json_rpc::code::kInvalidParams, fmt::format("cannot ask the client for {}", r.method));
    if (!client_capabilities().contains(cap)) {
      throw McpError(
          json_rpc::code::kInvalidRequest,
          fmt::format("the client does not support {} (capability '{}' not declared)", r.method, cap));
    }
  }
  if (!is_modern() || state_->task) {
    // Named awaiters: GCC 12 mishandles temporaries that live across co_await.
    RepliesAwaiter awaiter{state_, std::move(requests)};
    std::vector<Json> replies = co_await awaiter;
    co_return replies;
  }
  std::vector<Json> answers;
  answers.reserve(requests.size());
  // Modern: questions are identified by their position in the handler's run,
  // which is deterministic because the handler runs again from the start.
  auto& st = *state_;
  for (auto& r : requests) {
    std::string key = r.key.empty() ? fmt::format("input_{}", st.asked) : r.key;
    ++st.asked;
    if (auto it = st.input_responses.find(key); it != st.input_responses.end()) {
      if (!it->is_object()) {
        throw McpError(json_rpc::code::kInvalidParams,
                       fmt::format("inputResponses[\"{}\"] must be an object", key));
      }
      answers.push_back(*it);
    } else {
      st.missing_inputs.emplace_back(std::move(key), std::move(r));
    }
  }
  if (!st.missing_inputs.empty()) {
    InputRequiredAwaiter awaiter{state_};
    co_await awaiter;
  }
  co_return answers;
}

Task<Json> Context::elicit(Json params, std::string key) {
  std::vector<InputRequest> one;
  one.push_back({"elicitation/create", std::move(params), std::move(key)});
  Task<std::vector<Json>> task = ask(std::move(one));
  auto answers = co_await task;
  co_return std::move(answers.front());
}

Task<Json> Context::create_message(Json params, std::string key) {
  std::vector<InputRequest> one;
  one.push_back({"sampling/createMessage", std::move(params), std::move(key)});
  Task<std::vector<Json>> task = ask(std::move(one));
  auto answers = co_await task;
  co_return std::move(answers.front());
}

Task<Json> Context::list_roots(std::string key) {
  std::vector<InputRequest> one;
  one.push_back({"roots/list", Json::object(), std::move(key)});
  Task<std::vector<Json>> task = ask(std::move(one));
  auto answers = co_await task;
  co_return std::move(answers.front());
}

Task<void> Context::become_task() {
  BecomeTaskAwaiter awaiter{state_};
  co_await awaiter;
}

bool Context::in_task() const {
  return state_->task != nullptr;
}

void Context::close_sse_stream(std::chrono::milliseconds retry) {
  if (is_modern() || !state_->alive()) return;
  state_->channel->close_stream(retry);
}

}  // namespace mcp
