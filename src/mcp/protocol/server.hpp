#pragma once
// The protocol core of an MCP server: registries of tools, resources and
// prompts, and the dispatcher that answers one JSON-RPC request at a time for
// any supported revision. It does no I/O; transports feed it requests and
// carry its output.
//
//   mcp::Server server({.name = "demo", .version = "1.0.0"});
//   server.add_tool({.name = "greet", .description = "Says hello", .input_schema = schema},
//                   [](mcp::Context&, const mcp::Json& args) {
//                     return mcp::ToolResult::text("Hello, " + args.value("name", "world") + "!");
//                   });
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "mcp/json_rpc/message.hpp"
#include "mcp/protocol/context.hpp"
#include "mcp/protocol/error.hpp"
#include "mcp/protocol/task.hpp"
#include "mcp/protocol/types.hpp"

namespace mcp {

using ToolHandler = std::function<Task<ToolResult>(Context&, const Json& arguments)>;
using ResourceHandler = std::function<Task<ResourceContents>(Context&, const std::string& uri)>;
using TemplateVariables = std::map<std::string, std::string>;
using ResourceTemplateHandler =
    std::function<Task<ResourceContents>(Context&, const std::string& uri, const TemplateVariables& vars)>;
using PromptHandler = std::function<Task<PromptResult>(Context&, const PromptArguments& arguments)>;

struct CompletionRequest {
  Json ref;  // {"type":"ref/prompt","name":...} or {"type":"ref/resource","uri":...}
  std::string argument_name;
  std::string argument_value;
  PromptArguments context_arguments;
};
struct CompletionResult {
  std::vector<std::string> values;  // at most 100 are sent
  std::optional<std::int64_t> total;
  bool has_more = false;
};
using CompletionHandler = std::function<CompletionResult(const CompletionRequest&)>;

using CallOutcome = util::Expected<Json, json_rpc::Error>;

// A request being answered. Cancelling drops the handler (no response is
// produced); it is safe to call at any time on the executor thread.
class CallHandle {
 public:
  virtual ~CallHandle() = default;
  virtual void cancel() = 0;
};

struct ServerOptions {
  Implementation info{"mcp-server", "1.0.0"};
  std::string instructions;
  // Items per page for list methods; 0 returns everything in one page.
  std::size_t page_size = 0;
  // Signs `requestState` of input_required results (HMAC-SHA256); a random
  // per-process key is used when empty.
  std::string state_secret;
  // Lifetime of a requestState issued with an input_required result.
  std::chrono::seconds request_state_ttl{600};
  // 2026-07-28 caching hints on list/read results.
  std::int64_t list_ttl_ms = 0;
  // Tasks extension: how long a finished task stays readable, how often
  // clients should poll, and how many tasks one instance keeps.
  std::chrono::milliseconds task_ttl{10 * 60 * 1000};
  std::chrono::milliseconds task_poll_interval{200};
  std::size_t max_tasks = 1000;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // ---- registration (call before serving, or from the executor thread) ----
  void add_tool(ToolSpec spec, ToolHandler handler);
  void add_resource(ResourceSpec spec, ResourceHandler handler);
  void add_resource_template(ResourceTemplateSpec spec, ResourceTemplateHandler handler);
  void add_prompt(PromptSpec spec, PromptHandler handler);
  void set_completion_handler(CompletionHandler handler);
  bool remove_tool(const std::string& name);

  // Convenience overloads for synchronous handlers and typed arguments:
  // a handler may return the result directly instead of a Task, and may take
  // any type constructible with nlohmann's from_json instead of `const Json&`
  // (a conversion failure becomes an isError result naming the problem).
  template <class F>
  void add_tool(ToolSpec spec, F&& f) {
    add_tool(std::move(spec), make_tool_handler(std::forward<F>(f)));
  }
  template <class F>
  void add_resource(ResourceSpec spec, F&& f) {
    add_resource(std::move(spec),
                 ResourceHandler(adapt2<ResourceContents, const std::string&>(std::forward<F>(f))));
  }
  template <class F>
  void add_prompt(PromptSpec spec, F&& f) {
    add_prompt(std::move(spec),
               PromptHandler(adapt2<PromptResult, const PromptArguments&>(std::forward<F>(f))));
  }

  // ---- notifications to connected clients (executor thread) ----
  void notify_resource_updated(const std::string& uri);
  void notify_list_changed(std::string_view kind);  // "tools" | "resources" | "prompts"

  // A sink for server-initiated notifications: a legacy session's GET stream
  // or a modern subscriptions/listen stream. `wants` filters by method and
  // params (e.g. resource subscriptions).
  struct Listener {
    std::function<bool(std::string_view method, const Json& params)> wants;
    std::function<void(std::string_view method, const Json& params)> send;
  };
  using ListenerId = std::uint64_t;
  ListenerId add_listener(Listener listener);
  void remove_listener(ListenerId id);

  // ---- transport-facing ----
  const ServerOptions& options() const { return options_; }
  Json capabilities(protocol::Version version) const;
  // Whether `method` exists in `version` (2026-07-28 removed several).
  bool handles_method(std::string_view method, protocol::Version version) const;
  // The registered input schema of a tool, or null.
  const Json* tool_input_schema(const std::string& name) const;
  Json initialize_result(protocol::Version version) const;

  // Answers one request. `done` runs exactly once, on the executor thread,
  // unless the call is cancelled first; it may run before `call` returns.
  std::shared_ptr<CallHandle> call(json_rpc::Request request, RequestInfo info,
                                   std::shared_ptr<RequestChannel> channel, Executor& executor,
                                   std::function<void(CallOutcome)> done);

 private:
  struct Impl;
  friend struct detail::CallState;

  std::shared_ptr<CallHandle> listen(const json_rpc::Request& request,
                                     std::shared_ptr<RequestChannel> channel,
                                     const std::function<void(CallOutcome)>& done);

  template <class F>
  static ToolHandler make_tool_handler(F&& f);
  template <class R, class Arg, class F>
  static auto adapt2(F&& f);

  ServerOptions options_;
  std::unique_ptr<Impl> impl_;
};

// ---- template implementation ----

namespace detail {
template <class T>
struct IsTask : std::false_type {};
template <class T>
struct IsTask<Task<T>> : std::true_type {};

template <class F, class A>
using InvokeResult = std::invoke_result_t<F&, Context&, A>;

// Wrap a synchronous result in an already-finished Task. The function object
// is copied into the frame so nothing outlives its owner across a suspension.
template <class R, class F, class... Args>
Task<R> run_sync(F f, Context& ctx, Args... args) {
  co_return f(ctx, args...);
}

template <class F>
struct FirstArgAfterContext;
template <class C, class R, class A>
struct FirstArgAfterContext<R (C::*)(Context&, A) const> {
  using type = std::decay_t<A>;
};
template <class C, class R, class A>
struct FirstArgAfterContext<R (C::*)(Context&, A)> {
  using type = std::decay_t<A>;
};
}  // namespace detail

template <class F>
ToolHandler Server::make_tool_handler(F&& f) {
  using Fn = std::decay_t<F>;
  using Arg = typename detail::FirstArgAfterContext<decltype(&Fn::operator())>::type;
  if constexpr (std::is_same_v<Arg, Json>) {
    using R = detail::InvokeResult<Fn, const Json&>;
    if constexpr (detail::IsTask<R>::value) {
      return ToolHandler(std::forward<F>(f));
    } else {
      Fn fn(std::forward<F>(f));
      return [fn](Context& ctx, const Json& args) {
        return detail::run_sync<ToolResult, Fn, const Json&>(fn, ctx, args);
      };
    }
  } else {
    // Typed arguments: convert first; conversion errors are tool errors.
    Fn fn(std::forward<F>(f));
    return [fn](Context& ctx, const Json& args) -> Task<ToolResult> {
      Arg typed{};
      try {
        typed = args.get<Arg>();
      } catch (const std::exception& e) {
        return detail::run_sync<ToolResult>(
            [msg = std::string(e.what())](Context&) {
              return ToolResult::error("Invalid arguments: " + msg);
            },
            ctx);
      }
      using R = std::invoke_result_t<Fn&, Context&, Arg>;
      if constexpr (detail::IsTask<R>::value) {
        return fn(ctx, std::move(typed));
      } else {
        return detail::run_sync<ToolResult, Fn, Arg>(fn, ctx, std::move(typed));
      }
    };
  }
}

template <class R, class Arg, class F>
auto Server::adapt2(F&& f) {
  using Fn = std::decay_t<F>;
  using Ret = std::invoke_result_t<Fn&, Context&, Arg>;
  if constexpr (detail::IsTask<Ret>::value) {
    return Fn(std::forward<F>(f));
  } else {
    Fn fn(std::forward<F>(f));
    return [fn](Context& ctx, Arg a) {
      return detail::run_sync<R, Fn, Arg>(fn, ctx, a);
    };
  }
}

}  // namespace mcp
