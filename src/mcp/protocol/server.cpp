#include "mcp/protocol/server.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "mcp/protocol/call_state.hpp"
#include "mcp/protocol/request_state.hpp"
#include "mcp/protocol/schema_validator.hpp"
#include "mcp/protocol/tasks.hpp"
#include "mcp/protocol/uri_template.hpp"
#include "mcp/util/base64.hpp"
#include "mcp/util/crypto.hpp"

namespace mcp {

using json_rpc::Error;
using protocol::Version;
namespace code = json_rpc::code;

struct Server::Impl {
  struct ToolEntry {
    ToolSpec spec;
    ToolHandler handler;
  };
  struct ResourceEntry {
    ResourceSpec spec;
    ResourceHandler handler;
  };
  struct TemplateEntry {
    ResourceTemplateSpec spec;
    ResourceTemplateHandler handler;
  };
  struct PromptEntry {
    PromptSpec spec;
    PromptHandler handler;
  };

  explicit Impl(const ServerOptions& o)
      : options(o),
        state_codec(o.state_secret),
        tasks(o.max_tasks, o.task_ttl, o.task_poll_interval),
        server_info(o.info.to_json()) {}

  const ServerOptions& options;
  // Registration order is the listing order, so vectors plus name indexes.
  // Shared so that a running call keeps its entry even if it is replaced.
  std::vector<std::shared_ptr<const ToolEntry>> tools;
  std::unordered_map<std::string, std::size_t> tool_index;
  std::vector<ResourceEntry> resources;
  std::unordered_map<std::string, std::size_t> resource_index;
  std::vector<TemplateEntry> templates;
  std::vector<PromptEntry> prompts;
  std::unordered_map<std::string, std::size_t> prompt_index;
  CompletionHandler completion;
  std::map<ListenerId, Listener> listeners;
  ListenerId next_listener = 1;
  protocol::RequestStateCodec state_codec;
  detail::TaskStore tasks;
  const Json server_info;  // built once: every 2026-07-28 result carries it

  bool any_task_tools() const {
    for (const auto& t : tools) {
      if (t->spec.task_support != TaskSupport::kForbidden) return true;
    }
    return false;
  }

  Json tool_json(const ToolSpec& t) const;
  util::Expected<Json, Error> list_page(std::string_view key, const Json& params, std::size_t count,
                                        const std::function<Json(std::size_t)>& item) const;
  Json decorate(Json result, const RequestInfo& info, bool cacheable) const;
  Json input_required_result(detail::CallState& st);

  Task<CallOutcome> call_tool(detail::CallState* st);
  Task<CallOutcome> read_resource(detail::CallState* st);
  Task<CallOutcome> get_prompt(detail::CallState* st);
};

namespace {

// The root coroutine of a call: runs the method's task and hands the outcome
// to the call state. Its frame frees itself at the end (suspend_never), and
// CallState forgets the handle before reporting, so nothing destroys it twice.
struct Driver {
  struct promise_type {
    Driver get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}  // drive() catches everything itself
  };
  std::coroutine_handle<promise_type> handle;
};

Driver drive(detail::CallState* st, Task<CallOutcome> task) {
  CallOutcome outcome = Json();
  try {
    outcome = co_await task;
  } catch (const McpError& e) {
    outcome = util::unexpected(e.error());
  } catch (const std::exception& e) {
    outcome = util::unexpected(Error::internal(e.what()));
  } catch (...) {
    outcome = util::unexpected(Error::internal());
  }
  st->finish(std::move(outcome));
}

Json content_for_version(const Json& blocks, Version v) {
  if (v >= Version::k2025_06_18) return blocks;
  // resource_link arrived in 2025-06-18; older clients reject unknown types.
  Json out = Json::array();
  for (const auto& b : blocks) {
    if (b.value("type", "") == "resource_link") {
      out.push_back(content::text(fmt::format("{} ({})", b.value("name", ""), b.value("uri", ""))));
    } else {
      out.push_back(b);
    }
  }
  return out;
}

Json tool_result_json(const ToolResult& r, Version v) {
  Json j = {{"content", content_for_version(r.content, v)}};
  if (!r.structured_content.is_null()) j["structuredContent"] = r.structured_content;
  if (r.is_error) j["isError"] = true;
  if (!r.meta.is_null()) j["_meta"] = r.meta;
  return j;
}

Error resource_not_found(const std::string& uri, Version v) {
  // 2026-07-28 (SEP-2164) moved "resource not found" to -32602.
  const int c = protocol::is_modern(v) ? code::kInvalidParams : code::kResourceNotFoundLegacy;
  return Error{c, fmt::format("Resource not found: {}", uri), Json{{"uri", uri}}};
}

const Json& params_object(const json_rpc::Request& r) {
  static const Json kEmpty = Json::object();
  return r.params.is_object() ? r.params : kEmpty;
}

}  // namespace

// ---------------------------------------------------------------- CallState

namespace detail {

CallState::~CallState() {
  destroy_driver();
  if (executor != nullptr) {
    for (auto id : timers) executor->cancel(id);
  }
}

TaskStore& CallState::server_tasks() {
  return server->tasks;
}
Json CallState::decorate(Json result) {
  return server->decorate(std::move(result), info, false);
}

void CallState::destroy_driver() {
  if (driver) {
    auto h = std::exchange(driver, {});
    h.destroy();
  }
}

void CallState::cancel() {
  if (cancelled || finished) return;
  cancelled = true;
  for (auto id : timers) executor->cancel(id);
  timers.clear();
  // Destroy the handler's frames later: cancel() may be reached from inside
  // the handler itself (a write that finds the peer gone).
  executor->post([self = std::move(keep_alive)] {
    if (!self) return;
    self->destroy_driver();
    self->channel.reset();
    self->done = nullptr;  // it may hold the caller's handle on this call
  });
}

void CallState::finish(CallOutcome outcome) {
  driver = {};  // the frame frees itself after this returns
  if (finished || cancelled) return;
  finished = true;
  auto self = std::move(keep_alive);
  // A task's outcome is stored raw and inlined into tasks/get.
  if (outcome && protocol::is_modern(info.version) && outcome->is_object() && !task) {
    outcome = server->decorate(std::move(*outcome), info, request.method == "resources/read");
  }
  auto cb = std::move(done);
  auto ch = std::move(channel);  // the channel may own this call: break the cycle
  cb(std::move(outcome));
}

void CallState::finish_input_required() {
  if (finished || cancelled) return;
  finished = true;
  auto self = std::move(keep_alive);
  destroy_driver();
  Json result = server->decorate(server->input_required_result(*this), info, false);
  auto cb = std::move(done);
  auto ch = std::move(channel);
  cb(std::move(result));
}

}  // namespace detail

// ---------------------------------------------------------------- Server

Server::Server(ServerOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_)) {}
Server::~Server() = default;

void Server::add_tool(ToolSpec spec, ToolHandler handler) {
  const auto it = impl_->tool_index.find(spec.name);
  if (it != impl_->tool_index.end()) {
    impl_->tools[it->second] =
        std::make_shared<const Impl::ToolEntry>(Impl::ToolEntry{std::move(spec), std::move(handler)});
    return;
  }
  impl_->tool_index.emplace(spec.name, impl_->tools.size());
  impl_->tools.push_back(
      std::make_shared<const Impl::ToolEntry>(Impl::ToolEntry{std::move(spec), std::move(handler)}));
}

bool Server::remove_tool(const std::string& name) {
  const auto it = impl_->tool_index.find(name);
  if (it == impl_->tool_index.end()) return false;
  impl_->tools.erase(impl_->tools.begin() + static_cast<std::ptrdiff_t>(it->second));
  impl_->tool_index.clear();
  for (std::size_t i = 0; i < impl_->tools.size(); ++i)
    impl_->tool_index.emplace(impl_->tools[i]->spec.name, i);
  return true;
}

void Server::add_resource(ResourceSpec spec, ResourceHandler handler) {
  impl_->resource_index[spec.uri] = impl_->resources.size();
  impl_->resources.push_back({std::move(spec), std::move(handler)});
}

void Server::add_resource_template(ResourceTemplateSpec spec, ResourceTemplateHandler handler) {
  impl_->templates.push_back({std::move(spec), std::move(handler)});
}

void Server::add_prompt(PromptSpec spec, PromptHandler handler) {
  impl_->prompt_index[spec.name] = impl_->prompts.size();
  impl_->prompts.push_back({std::move(spec), std::move(handler)});
}

void Server::set_completion_handler(CompletionHandler handler) {
  impl_->completion = std::move(handler);
}

Server::ListenerId Server::add_listener(Listener listener) {
  const auto id = impl_->next_listener++;
  impl_->listeners.emplace(id, std::move(listener));
  return id;
}

void Server::remove_listener(ListenerId id) {
  impl_->listeners.erase(id);
}

void Server::notify_resource_updated(const std::string& uri) {
  const Json params = {{"uri", uri}};
  // Copy first: a send may remove its own listener (stream found closed).
  auto listeners = impl_->listeners;
  for (auto& [id, l] : listeners) {
    if (l.wants("notifications/resources/updated", params)) l.send("notifications/resources/updated", params);
  }
}

void Server::notify_list_changed(std::string_view kind) {
  const std::string method = fmt::format("notifications/{}/list_changed", kind);
  const Json params = Json::object();
  auto listeners = impl_->listeners;
  for (auto& [id, l] : listeners) {
    if (l.wants(method, params)) l.send(method, params);
  }
}

Json Server::capabilities(Version version) const {
  Json caps = Json::object();
  caps["tools"] = {{"listChanged", true}};
  // 2026-07-28 replaced resources/subscribe with subscriptions/listen.
  if (protocol::is_modern(version)) {
    caps["resources"] = {{"listChanged", true}};
  } else {
    caps["resources"] = {{"subscribe", true}, {"listChanged", true}};
  }
  caps["prompts"] = {{"listChanged", true}};
  caps["logging"] = Json::object();
  caps["completions"] = Json::object();
  if (protocol::is_modern(version) && impl_->any_task_tools()) {
    caps["extensions"] = {{std::string(detail::kTasksExtension), Json::object()}};
  }
  return caps;
}

Json Server::initialize_result(Version version) const {
  Json r = {{"protocolVersion", protocol::to_string(version)},
            {"capabilities", capabilities(version)},
            {"serverInfo", options_.info.to_json()}};
  if (!options_.instructions.empty()) r["instructions"] = options_.instructions;
  return r;
}

Json Server::Impl::tool_json(const ToolSpec& t) const {
  Json j = {{"name", t.name}};
  if (!t.title.empty()) j["title"] = t.title;
  if (!t.description.empty()) j["description"] = t.description;
  j["inputSchema"] = t.input_schema;
  if (!t.output_schema.is_null()) j["outputSchema"] = t.output_schema;
  if (!t.annotations.empty()) j["annotations"] = t.annotations.to_json();
  if (!t.meta.is_null()) j["_meta"] = t.meta;
  return j;
}

util::Expected<Json, Error> Server::Impl::list_page(std::string_view key, const Json& params,
                                                    std::size_t count,
                                                    const std::function<Json(std::size_t)>& item) const {
  std::size_t start = 0;
  if (const auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
    const auto decoded = c->is_string() ? util::base64url_decode(c->get<std::string>()) : std::nullopt;
    try {
      if (!decoded) throw std::invalid_argument("cursor");
      start = std::stoul(*decoded);
    } catch (const std::exception&) {
      return util::unexpected(Error::invalid_params("invalid cursor"));
    }
    if (start > count) return util::unexpected(Error::invalid_params("invalid cursor"));
  }
  const std::size_t end = options.page_size == 0 ? count : std::min(count, start + options.page_size);
  Json items = Json::array();
  for (std::size_t i = start; i < end; ++i) items.push_back(item(i));
  Json result = {{std::string(key), std::move(items)}};
  if (end < count) result["nextCursor"] = util::base64url_encode(std::to_string(end));
  return result;
}

Json Server::Impl::decorate(Json result, const RequestInfo& info, bool cacheable) const {
  if (!protocol::is_modern(info.version)) return result;
  if (!result.contains("resultType")) result["resultType"] = "complete";
  result["_meta"][std::string(protocol::meta::kServerInfo)] = server_info;
  if (cacheable) {
    // SEP-2549 caching hints; results may depend on the caller, so private.
    result["ttlMs"] = options.list_ttl_ms;
    result["cacheScope"] = "private";
  }
  return result;
}

Json Server::Impl::input_required_result(detail::CallState& st) {
  Json requests = Json::object();
  for (auto& [key, r] : st.missing_inputs) {
    requests[key] = {{"method", r.method}, {"params", r.params}};
  }
  Json result = {{"resultType", "input_required"}, {"inputRequests", std::move(requests)}};
  result["requestState"] = state_codec.encode(st.request.method, protocol::request_target(st.request),
                                              st.input_responses, options.request_state_ttl);
  return result;
}

// ---------------------------------------------------------------- dispatch

std::shared_ptr<CallHandle> Server::call(json_rpc::Request request, RequestInfo info,
                                         std::shared_ptr<RequestChannel> channel, Executor& executor,
                                         std::function<void(CallOutcome)> done) {
  const std::string& method = request.method;
  const Json& params = params_object(request);
  const bool modern = protocol::is_modern(info.version);
  auto reply = [&](CallOutcome outcome, bool cacheable = false) -> std::shared_ptr<CallHandle> {
    if (outcome) outcome = impl_->decorate(std::move(*outcome), info, cacheable);
    done(std::move(outcome));
    return nullptr;
  };
  if (!request.params.is_null() && !request.params.is_object()) {
    return reply(util::unexpected(Error::invalid_params("params must be an object")));
  }

  // Synchronous methods are answered without a coroutine.
  if (method == "ping") {
    if (modern) return reply(util::unexpected(Error::method_not_found(method)));
    return reply(Json::object());
  }
  if (method == "tools/list") {
    return reply(impl_->list_page("tools", params, impl_->tools.size(),
                                  [&](std::size_t i) { return impl_->tool_json(impl_->tools[i]->spec); }),
                 true);
  }
  if (method == "resources/list") {
    return reply(impl_->list_page("resources", params, impl_->resources.size(),
                                  [&](std::size_t i) {
                                    const auto& r = impl_->resources[i].spec;
                                    Json j = {{"uri", r.uri}, {"name", r.name}};
                                    if (!r.title.empty()) j["title"] = r.title;
                                    if (!r.description.empty()) j["description"] = r.description;
                                    if (!r.mime_type.empty()) j["mimeType"] = r.mime_type;
                                    if (r.size) j["size"] = *r.size;
                                    if (!r.annotations.is_null()) j["annotations"] = r.annotations;
                                    return j;
                                  }),
                 true);
  }
  if (method == "resources/templates/list") {
    return reply(impl_->list_page("resourceTemplates", params, impl_->templates.size(),
                                  [&](std::size_t i) {
                                    const auto& t = impl_->templates[i].spec;
                                    Json j = {{"uriTemplate", t.uri_template}, {"name", t.name}};
                                    if (!t.title.empty()) j["title"] = t.title;
                                    if (!t.description.empty()) j["description"] = t.description;
                                    if (!t.mime_type.empty()) j["mimeType"] = t.mime_type;
                                    return j;
                                  }),
                 true);
  }
  if (method == "prompts/list") {
    return reply(impl_->list_page("prompts", params, impl_->prompts.size(),
                                  [&](std::size_t i) {
                                    const auto& p = impl_->prompts[i].spec;
                                    Json j = {{"name", p.name}};
                                    if (!p.title.empty()) j["title"] = p.title;
                                    if (!p.description.empty()) j["description"] = p.description;
                                    if (!p.arguments.empty()) {
                                      Json args = Json::array();
                                      for (const auto& a : p.arguments) {
                                        Json aj = {{"name", a.name}, {"required", a.required}};
                                        if (!a.title.empty()) aj["title"] = a.title;
                                        if (!a.description.empty()) aj["description"] = a.description;
                                        args.push_back(std::move(aj));
                                      }
                                      j["arguments"] = std::move(args);
                                    }
                                    return j;
                                  }),
                 true);
  }
  if (method == "completion/complete") {
    const auto ref = params.find("ref");
    const auto arg = params.find("argument");
    if (ref == params.end() || !ref->is_object() || arg == params.end() || !arg->is_object() ||
        !arg->contains("name") || !(*arg)["name"].is_string()) {
      return reply(
          util::unexpected(Error::invalid_params("completion/complete needs ref and argument.name")));
    }
    CompletionResult r;
    if (impl_->completion) {
      CompletionRequest cr{*ref, (*arg)["name"].get<std::string>(), arg->value("value", ""), {}};
      if (const auto c = params.find("context"); c != params.end() && c->is_object()) {
        // Named: range-for over items() of a temporary dangles.
        const Json context_arguments = c->value("arguments", Json::object());
        for (const auto& [k, v] : context_arguments.items()) {
          if (v.is_string()) cr.context_arguments[k] = v.get<std::string>();
        }
      }
      r = impl_->completion(cr);
    }
    if (r.values.size() > 100) {
      r.has_more = true;
      if (!r.total) r.total = static_cast<std::int64_t>(r.values.size());
      r.values.resize(100);
    }
    Json completion = {{"values", r.values}, {"hasMore", r.has_more}};
    completion["total"] = r.total ? *r.total : static_cast<std::int64_t>(r.values.size());
    return reply(Json{{"completion", std::move(completion)}});
  }
  if (method == "logging/setLevel") {
    if (modern || info.session == nullptr) return reply(util::unexpected(Error::method_not_found(method)));
    const auto level = parse_logging_level(params.value("level", ""));
    if (!level) return reply(util::unexpected(Error::invalid_params("unknown logging level")));
    info.session->log_level = *level;
    return reply(Json::object());
  }
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    if (modern || info.session == nullptr) return reply(util::unexpected(Error::method_not_found(method)));
    const auto uri = params.find("uri");
    if (uri == params.end() || !uri->is_string())
      return reply(util::unexpected(Error::invalid_params("uri is required")));
    if (method == "resources/subscribe") {
      info.session->subscriptions.insert(uri->get<std::string>());
    } else {
      info.session->subscriptions.erase(uri->get<std::string>());
    }
    return reply(Json::object());
  }
  if (method == "server/discover") {
    if (!modern) return reply(util::unexpected(Error::method_not_found(method)));
    Json versions = Json::array();
    for (Version v : protocol::kAllVersions) versions.push_back(protocol::to_string(v));
    Json r = {{"supportedVersions", versions},
              {"capabilities", capabilities(info.version)},
              {"serverInfo", options_.info.to_json()}};
    if (!options_.instructions.empty()) r["instructions"] = options_.instructions;
    return reply(std::move(r), true);
  }
  if (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel") {
    if (!modern || !impl_->any_task_tools()) return reply(util::unexpected(Error::method_not_found(method)));
    // The capability gate comes before the task lookup.
    if (!detail::declares_tasks(info.client_capabilities)) {
      return reply(util::unexpected(detail::missing_tasks_capability()));
    }
    return reply(impl_->tasks.handle(method, params, executor));
  }
  if (method == "subscriptions/listen") {
    if (!modern) return reply(util::unexpected(Error::method_not_found(method)));
    return listen(request, std::move(channel), done);
  }

  // Handler-backed methods run as coroutines.
  Task<CallOutcome> (Impl::*run)(detail::CallState*) = nullptr;
  if (method == "tools/call")
    run = &Impl::call_tool;
  else if (method == "resources/read")
    run = &Impl::read_resource;
  else if (method == "prompts/get")
    run = &Impl::get_prompt;
  else
    return reply(util::unexpected(Error::method_not_found(method)));

  auto st = std::make_shared<detail::CallState>();
  st->server = impl_.get();
  st->info = std::move(info);
  st->channel = std::move(channel);
  st->executor = &executor;
  st->done = std::move(done);
  if (auto m = params.find("_meta"); m != params.end() && m->is_object()) {
    if (auto t = m->find("progressToken"); t != m->end() && (t->is_string() || t->is_number_integer())) {
      st->progress_token = *t;
    }
  }
  st->request = std::move(request);
  if (protocol::is_modern(st->info.version)) {
    // Answers to earlier rounds travel in the signed requestState; answers to
    // the latest round in inputResponses.
    const Json& p = params_object(st->request);
    if (const auto s = p.find("requestState"); s != p.end() && !s->is_null()) {
      auto decoded = s->is_string()
                         ? impl_->state_codec.decode(s->get<std::string>(), st->request.method,
                                                     protocol::request_target(st->request))
                         : util::Expected<Json, std::string>(util::unexpected(std::string("not a string")));
      if (!decoded) {
        auto cb = std::move(st->done);
        cb(util::unexpected(Error::invalid_params("invalid requestState: " + decoded.error())));
        return nullptr;
      }
      st->input_responses = std::move(*decoded);
    }
    if (const auto r = p.find("inputResponses"); r != p.end()) {
      if (!r->is_object()) {
        auto cb = std::move(st->done);
        cb(util::unexpected(Error::invalid_params("inputResponses must be an object")));
        return nullptr;
      }
      for (const auto& [k, v] : r->items()) st->input_responses[k] = v;
    }
  }
  st->keep_alive = st;
  auto driver = drive(st.get(), (impl_.get()->*run)(st.get()));
  st->driver = driver.handle;
  driver.handle.resume();
  return st;
}

namespace {

// A 2026-07-28 subscriptions/listen stream: acknowledged at once, then fed by
// a listener until the client goes away. It never produces a result.
class ListenCall final : public CallHandle {
 public:
  ListenCall(Server& server, Server::ListenerId id) : server_(server), id_(id) {}
  ~ListenCall() override { ListenCall::cancel(); }
  void cancel() override {
    if (id_ != 0) server_.remove_listener(std::exchange(id_, 0));
  }

 private:
  Server& server_;
  Server::ListenerId id_;
};

bool filter_flag(const Json& filter, const char* key) {
  const auto it = filter.find(key);
  return it != filter.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::shared_ptr<CallHandle> Server::listen(const json_rpc::Request& request,
                                           std::shared_ptr<RequestChannel> channel,
                                           const std::function<void(CallOutcome)>& done) {
  const Json& params = params_object(request);
  const Json filter = params.value("notifications", Json::object());
  if (!filter.is_object()) {
    done(util::unexpected(Error::invalid_params("notifications must be an object")));
    return nullptr;
  }
  const std::string subscription_id = fmt::format("sub-{}", impl_->next_listener);
  const Json tag = {{"io.modelcontextprotocol/subscriptionId", subscription_id}};
  channel->notify("notifications/subscriptions/acknowledged",
                  Json{{"notifications", filter}, {"_meta", tag}});
  Listener listener{[filter](std::string_view method, const Json& p) {
                      if (method == "notifications/tools/list_changed")
                        return filter_flag(filter, "toolsListChanged");
                      if (method == "notifications/prompts/list_changed")
                        return filter_flag(filter, "promptsListChanged");
                      if (method == "notifications/resources/list_changed")
                        return filter_flag(filter, "resourcesListChanged");
                      if (method == "notifications/resources/updated") {
                        const auto uris = filter.find("resourceSubscriptions");
                        if (uris == filter.end() || !uris->is_array()) return false;
                        const auto uri = p.value("uri", "");
                        for (const auto& u : *uris) {
                          if (u.is_string() && u.get<std::string>() == uri) return true;
                        }
                      }
                      return false;
                    },
                    [channel = std::move(channel), tag](std::string_view method, const Json& p) {
                      Json tagged = p.is_object() ? p : Json::object();
                      tagged["_meta"] = tag;
                      channel->notify(method, tagged);
                    }};
  return std::make_shared<ListenCall>(*this, add_listener(std::move(listener)));
}

bool Server::handles_method(std::string_view method, Version version) const {
  static constexpr std::string_view kBoth[] = {
      "tools/list",   "tools/call",  "resources/list",     "resources/read", "resources/templates/list",
      "prompts/list", "prompts/get", "completion/complete"};
  for (auto m : kBoth) {
    if (m == method) return true;
  }
  if (protocol::is_modern(version)) {
    if (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel")
      return impl_->any_task_tools();
    return method == "server/discover" || method == "subscriptions/listen";
  }
  return method == "initialize" || method == "ping" || method == "logging/setLevel" ||
         method == "resources/subscribe" || method == "resources/unsubscribe";
}

const Json* Server::tool_input_schema(const std::string& name) const {
  const auto it = impl_->tool_index.find(name);
  return it == impl_->tool_index.end() ? nullptr : &impl_->tools[it->second]->spec.input_schema;
}

// ---------------------------------------------------------------- handlers

Task<CallOutcome> Server::Impl::call_tool(detail::CallState* st) {
  const Json& params = params_object(st->request);
  const auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string()) {
    co_return util::unexpected(Error::invalid_params("tools/call needs a tool name"));
  }
  const auto it = tool_index.find(name_it->get<std::string>());
  if (it == tool_index.end()) {
    co_return util::unexpected(
        Error{code::kInvalidParams, fmt::format("Unknown tool: {}", name_it->get<std::string>()), nullptr});
  }
  // Hold the entry: a registration change during a suspension must not pull
  // it out from under the running coroutine.
  const std::shared_ptr<const ToolEntry> holder = tools[it->second];
  const ToolEntry& entry = *holder;
  static const Json kNoArguments = Json::object();
  const auto args_it = params.find("arguments");
  const Json& arguments = (args_it == params.end() || args_it->is_null()) ? kNoArguments : *args_it;
  if (!arguments.is_object()) {
    co_return tool_result_json(ToolResult::error("Invalid arguments: arguments must be an object"),
                               st->info.version);
  }
  // Bad arguments are tool execution errors (SEP-1303), so models can correct them.
  const auto problems = protocol::validate_json_schema(entry.spec.input_schema, arguments);
  if (!problems.empty()) {
    std::string msg = fmt::format("Invalid arguments for tool {}:", entry.spec.name);
    for (const auto& p : problems) msg += "\n" + p;
    co_return tool_result_json(ToolResult::error(std::move(msg)), st->info.version);
  }
  if (entry.spec.task_support == TaskSupport::kRequired &&
      !(protocol::is_modern(st->info.version) && detail::declares_tasks(st->info.client_capabilities))) {
    co_return util::unexpected(detail::missing_tasks_capability());
  }
  st->task_support = entry.spec.task_support;
  Context ctx(st);
  if (!entry.spec.task_on_demand) {
    Task<void> becoming = ctx.become_task();
    co_await becoming;
  }
  ToolResult result;
  try {
    // Named tasks: GCC 12 mishandles temporaries that live across co_await.
    Task<ToolResult> task = entry.handler(ctx, arguments);
    result = co_await task;
  } catch (const McpError&) {
    throw;
  } catch (const std::exception& e) {
    result = ToolResult::error(e.what());
  }
  co_return tool_result_json(result, st->info.version);
}

Task<CallOutcome> Server::Impl::read_resource(detail::CallState* st) {
  const Json& params = params_object(st->request);
  const auto uri_it = params.find("uri");
  if (uri_it == params.end() || !uri_it->is_string()) {
    co_return util::unexpected(Error::invalid_params("resources/read needs a uri"));
  }
  const std::string uri = uri_it->get<std::string>();
  Context ctx(st);
  ResourceContents contents;
  if (const auto it = resource_index.find(uri); it != resource_index.end()) {
    const ResourceHandler handler = resources[it->second].handler;
    Task<ResourceContents> task = handler(ctx, uri);
    contents = co_await task;
  } else {
    bool matched = false;
    for (const auto& t : templates) {
      auto vars = protocol::match_uri_template(t.spec.uri_template, uri);
      if (!vars) continue;
      const ResourceTemplateHandler handler = t.handler;
      matched = true;
      Task<ResourceContents> task = handler(ctx, uri, *vars);
      contents = co_await task;
      break;
    }
    if (!matched) co_return util::unexpected(resource_not_found(uri, st->info.version));
  }
  if (contents.contents.empty()) co_return util::unexpected(resource_not_found(uri, st->info.version));
  co_return Json{{"contents", contents.contents}};
}

Task<CallOutcome> Server::Impl::get_prompt(detail::CallState* st) {
  const Json& params = params_object(st->request);
  const auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string()) {
    co_return util::unexpected(Error::invalid_params("prompts/get needs a prompt name"));
  }
  const auto it = prompt_index.find(name_it->get<std::string>());
  if (it == prompt_index.end()) {
    co_return util::unexpected(
        Error{code::kInvalidParams, fmt::format("Unknown prompt: {}", name_it->get<std::string>()), nullptr});
  }
  const PromptEntry entry = prompts[it->second];
  PromptArguments args;
  if (const auto a = params.find("arguments"); a != params.end() && a->is_object()) {
    for (const auto& [k, v] : a->items()) {
      if (!v.is_string())
        co_return util::unexpected(Error::invalid_params(fmt::format("argument {} must be a string", k)));
      args[k] = v.get<std::string>();
    }
  }
  for (const auto& a : entry.spec.arguments) {
    if (a.required && !args.contains(a.name)) {
      co_return util::unexpected(Error::invalid_params(fmt::format("missing required argument: {}", a.name)));
    }
  }
  Context ctx(st);
  Task<PromptResult> task = entry.handler(ctx, args);
  PromptResult r = co_await task;
  Json messages = Json::array();
  for (auto& m : r.messages) {
    messages.push_back(
        {{"role", m.role}, {"content", content_for_version(Json::array({m.content}), st->info.version)[0]}});
  }
  Json out = {{"messages", std::move(messages)}};
  if (!r.description.empty()) out["description"] = r.description;
  co_return out;
}

}  // namespace mcp
