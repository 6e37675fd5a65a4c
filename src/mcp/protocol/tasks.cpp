#include "mcp/protocol/tasks.hpp"

#include <fmt/format.h>

#include "mcp/protocol/call_state.hpp"
#include "mcp/util/clock.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp::detail {

using json_rpc::Error;
namespace code = json_rpc::code;

bool declares_tasks(const Json& caps) {
  if (!caps.is_object()) return false;
  const auto ext = caps.find("extensions");
  return ext != caps.end() && ext->is_object() && ext->contains(kTasksExtension);
}

Error missing_tasks_capability() {
  return Error{
      code::kMissingRequiredClientCapability, "Missing required client capability",
      Json{{"requiredCapabilities", {{"extensions", {{std::string(kTasksExtension), Json::object()}}}}}}};
}

void TaskRecord::touch() {
  updated_at = util::iso8601_utc_now();
}

void TaskRecord::finish(util::Expected<Json, Error> outcome) {
  if (terminal()) return;
  if (outcome) {
    status = "completed";
    result = std::move(*outcome);
  } else {
    status = "failed";
    error = outcome.error().to_json();
  }
  inputs.clear();
  touch();
  expires_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(ttl_ms);
}

Json TaskRecord::create_result() const {
  return {{"resultType", "task"},
          {"taskId", id},
          {"status", status},
          {"createdAt", created_at},
          {"lastUpdatedAt", updated_at},
          {"ttlMs", ttl_ms},
          {"pollIntervalMs", poll_interval_ms}};
}

Json TaskRecord::detail() const {
  Json j = create_result();
  j.erase("resultType");
  if (status == "input_required") {
    Json requests = Json::object();
    for (const auto& [key, input] : inputs) {
      requests[key] = {{"method", input.request.method}, {"params", input.request.params}};
    }
    j["inputRequests"] = std::move(requests);
  }
  if (status == "completed") j["result"] = result;
  if (status == "failed") j["error"] = error;
  return j;
}

void TaskChannel::request(std::string_view method, const Json& params, ReplyCallback on_reply,
                          std::string_view key) {
  std::string k = key.empty() ? fmt::format("input_{}", record_->next_key) : std::string(key);
  ++record_->next_key;
  // Keys are never reused within a task.
  while (record_->inputs.contains(k)) k += "_";
  record_->inputs[k] = {InputRequest{std::string(method), params, k}, std::move(on_reply)};
  record_->status = "input_required";
  record_->touch();
}

std::shared_ptr<TaskRecord> TaskStore::create() {
  purge();
  if (tasks_.size() >= max_tasks_) return nullptr;
  auto r = std::make_shared<TaskRecord>();
  r->id = util::to_hex(util::random_bytes(16));
  r->created_at = util::iso8601_utc_now();
  r->updated_at = r->created_at;
  r->ttl_ms = ttl_.count();
  r->poll_interval_ms = poll_interval_.count();
  tasks_.emplace(r->id, r);
  return r;
}

std::shared_ptr<TaskRecord> TaskStore::find(const std::string& id) {
  purge();
  const auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : it->second;
}

void TaskStore::purge() {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(tasks_,
                [now](const auto& kv) { return kv.second->terminal() && kv.second->expires_at < now; });
}

util::Expected<Json, Error> TaskStore::handle(std::string_view method, const Json& params,
                                              Executor& executor) {
  const auto id = params.find("taskId");
  if (id == params.end() || !id->is_string())
    return util::unexpected(Error::invalid_params("taskId is required"));
  auto record = find(id->get<std::string>());
  if (!record)
    return util::unexpected(Error::invalid_params(fmt::format("Unknown task: {}", id->get<std::string>())));

  if (method == "tasks/get") return record->detail();
  if (method == "tasks/update") {
    const auto responses = params.find("inputResponses");
    if (responses == params.end() || !responses->is_object()) {
      return util::unexpected(Error::invalid_params("inputResponses must be an object"));
    }
    for (const auto& [key, value] : responses->items()) {
      auto it = record->inputs.find(key);
      if (it == record->inputs.end()) continue;  // unknown or already answered: ignored
      auto reply = std::move(it->second.reply);
      record->inputs.erase(it);
      // Resume the handler from the loop, not from inside this request.
      executor.post([reply = std::move(reply), answer = value] { reply(answer); });
    }
    if (record->inputs.empty() && record->status == "input_required") record->status = "working";
    record->touch();
    return Json::object();
  }
  if (method == "tasks/cancel") {
    if (!record->terminal()) {
      record->status = "cancelled";
      record->inputs.clear();
      record->touch();
      record->expires_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(record->ttl_ms);
      if (auto call = record->call.lock()) call->cancel();
    }
    return Json::object();
  }
  return util::unexpected(Error::method_not_found(method));
}

}  // namespace mcp::detail
