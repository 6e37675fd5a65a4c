#include "common/server_app.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/auth_setup.hpp"
#include "mcp/lambda/runtime.hpp"
#include "mcp/net/http_server.hpp"
#include "mcp/transport/streamable_http.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::app {

namespace {

// Where requests come from: a listening HTTP server, or the Lambda Runtime
// API loop when AWS_LAMBDA_RUNTIME_API is set.
class Front {
 public:
  Front(const std::string& lambda_api, lambda::RuntimeOptions lambda_options,
        const net::HttpServerOptions& http_options, const util::Logger& log) {
    if (lambda_api.empty()) {
      http_ = std::make_unique<net::HttpServer>(http_options, log);
    } else {
      lambda_options.api = lambda_api;
      lambda_ = std::make_unique<lambda::Runtime>(std::move(lambda_options), log);
    }
  }
  bool lambda() const { return lambda_ != nullptr; }
  Executor& executor() { return lambda_ ? lambda_->executor() : http_->executor(); }
  net::HttpServer& http() { return *http_; }
  lambda::Runtime& runtime() { return *lambda_; }
  void set_handler(const std::function<void(http::Request, std::shared_ptr<http::Responder>)>& handler) {
    if (lambda_) {
      lambda_->set_handler(handler);
    } else {
      http_->set_handler(handler);
    }
  }

 private:
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<lambda::Runtime> lambda_;
};

}  // namespace

int run_server_app(int argc, char** argv, const ServerApp& app) {
  // Lambda mode: the process is a custom runtime; start-up failures are also
  // reported to /runtime/init/error so that the caller sees why.
  const char* lambda_env = std::getenv("AWS_LAMBDA_RUNTIME_API");
  const std::string lambda_api = lambda_env != nullptr ? lambda_env : "";
  const auto init_failed = [&](const std::string& message, int code) {
    std::cerr << app.program << ": " << message << "\n";
    if (!lambda_api.empty()) lambda::report_init_error(lambda_api, "Runtime.ConfigError", message);
    return code;
  };

  CLI::App cli{app.description, app.program};
  std::string host = "127.0.0.1";
  int port = 3000;
  std::string endpoint = "/mcp";
  std::string log_level = "info";
  std::string allowed_hosts;
  std::string allowed_origins;
  std::size_t max_body = std::size_t{4} * 1024 * 1024;
  std::size_t max_sessions = 10'000;
  std::size_t max_streams = 1'000;
  std::size_t max_connections = 10'000;
  long sse_retry_ms = 1000;
  long session_idle_s = 1800;
  long request_timeout_s = 300;
  std::string lambda_mode = "streaming";
  long lambda_margin_ms = 1000;
  std::string get_streams = "auto";
  cli.add_option("--host", host, "Address to listen on")->envname("MCP_HOST")->capture_default_str();
  cli.add_option("--port", port, "Port to listen on (0 picks a free port)")
      ->envname("MCP_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cli.add_option("--endpoint", endpoint, "Path of the MCP endpoint")
      ->envname("MCP_ENDPOINT")
      ->capture_default_str();
  cli.add_option("--log-level", log_level, "debug|info|warn|error|off")
      ->envname("MCP_LOG_LEVEL")
      ->capture_default_str();
  cli.add_option(
         "--allowed-hosts", allowed_hosts,
         "Comma-separated Host values to accept (default: loopback names on a loopback bind, any otherwise)")
      ->envname("MCP_ALLOWED_HOSTS");
  cli.add_option("--allowed-origins", allowed_origins,
                 "Comma-separated Origins to accept (default: loopback origins on a loopback bind, "
                 "same-origin otherwise)")
      ->envname("MCP_ALLOWED_ORIGINS");
  cli.add_option("--max-body-bytes", max_body, "Largest accepted request body")
      ->envname("MCP_MAX_BODY_BYTES")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  cli.add_option("--max-sessions", max_sessions, "Sessions kept in memory by this instance")
      ->envname("MCP_MAX_SESSIONS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--max-streams", max_streams, "Open SSE streams at once")
      ->envname("MCP_MAX_STREAMS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--max-connections", max_connections, "Open TCP connections at once")
      ->envname("MCP_MAX_CONNECTIONS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--sse-retry-ms", sse_retry_ms, "retry hint sent to SSE clients")
      ->envname("MCP_SSE_RETRY_MS")
      ->check(CLI::Range(100L, 600000L))
      ->capture_default_str();
  cli.add_option("--session-idle-seconds", session_idle_s,
                 "Forget an idle session's in-memory state after this")
      ->envname("MCP_SESSION_IDLE_SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--request-timeout-seconds", request_timeout_s, "Longest wait for a non-streaming answer")
      ->envname("MCP_REQUEST_TIMEOUT_SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option(
         "--lambda-response-mode", lambda_mode,
         "In Lambda: streaming (API Gateway REST streaming, RESPONSE_STREAM Function URLs) or buffered")
      ->envname("MCP_LAMBDA_RESPONSE_MODE")
      ->check(CLI::IsMember({"streaming", "buffered"}))
      ->capture_default_str();
  cli.add_option("--lambda-deadline-margin-ms", lambda_margin_ms,
                 "In Lambda: end requests with a clear error this long before the invocation deadline")
      ->envname("MCP_LAMBDA_DEADLINE_MARGIN_MS")
      ->check(CLI::Range(0L, 60000L))
      ->capture_default_str();
  cli.add_option("--get-streams", get_streams,
                 "Standalone GET SSE streams of legacy sessions: on, off (GET answered 405), or auto (off in "
                 "Lambda, where such a stream would hold an instance for the whole timeout)")
      ->envname("MCP_GET_STREAMS")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  AuthFlags auth_flags;
  add_auth_flags(cli, auth_flags);
  if (app.add_options) app.add_options(cli);
  cli.footer(
      "Environment: MCP_SESSION_SECRET signs legacy session ids; set the same value on every instance that "
      "serves "
      "the same clients (a random per-process key is used when unset). FACADE_CLIENT_SECRET (optional) "
      "authenticates the login facade upstream; FACADE_SECRET seals its client ids and codes.");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, like our own checks.
    const int code = cli.exit(e) == 0 ? 0 : 2;
    if (code != 0 && !lambda_api.empty())
      lambda::report_init_error(lambda_api, "Runtime.ConfigError", e.what());
    return code;
  }

  util::LogLevel level = util::LogLevel::kInfo;
  if (!util::parse_log_level(log_level, level)) {
    return init_failed("invalid --log-level '" + log_level + "' (use debug, info, warn, error or off)", 2);
  }
  if (endpoint.empty() || endpoint.front() != '/') {
    return init_failed("--endpoint must start with '/' (got '" + endpoint + "')", 2);
  }
  util::Logger log(level);

  const char* secret_env = std::getenv("MCP_SESSION_SECRET");
  std::string secret = secret_env != nullptr ? secret_env : "";
  if (!secret.empty() && secret.size() < 16) {
    return init_failed("MCP_SESSION_SECRET must be at least 16 characters", 2);
  }
  if (!lambda_api.empty()) {
    // API Gateway and Function URLs are public front doors whose view of the
    // request (scheme, domain, stage) arrives in the event, never from the caller.
    host = "0.0.0.0";
    auth_flags.trust_proxy = true;
  }

  ServerOptions server_options;
  server_options.info = app.info;
  server_options.instructions = app.instructions;
  server_options.state_secret = secret.empty() ? std::string() : "request-state:" + secret;
  Server server(server_options);
  if (const std::string problem = app.register_features(server, log); !problem.empty()) {
    return init_failed(problem, 2);
  }

  net::HttpServerOptions http_options;
  http_options.host = host;
  http_options.port = static_cast<std::uint16_t>(port);
  http_options.max_body_bytes = max_body;
  http_options.max_connections = max_connections;
  http_options.response_timeout = std::chrono::seconds(request_timeout_s);
  lambda::RuntimeOptions lambda_options;
  lambda_options.mode =
      lambda_mode == "buffered" ? lambda::ResponseMode::kBuffered : lambda::ResponseMode::kStreaming;
  lambda_options.deadline_margin = std::chrono::milliseconds(lambda_margin_ms);
  // Room for base64 bodies and the event envelope.
  lambda_options.max_event_bytes = max_body + max_body / 3 + std::size_t{64} * 1024;
  Front front(lambda_api, lambda_options, http_options, log);

  auto auth_stack = AuthStack::create(auth_flags, endpoint, host, front.executor(), log);
  if (!auth_stack) {
    return init_failed(auth_stack.error(), 2);
  }
  AuthStack& auth = **auth_stack;

  transport::TransportOptions transport_options;
  transport_options.endpoint = endpoint;
  transport_options.bind_address = host;
  transport_options.allowed_hosts = util::split_list(allowed_hosts, ',');
  transport_options.allowed_origins = util::split_list(allowed_origins, ',');
  transport_options.max_body_bytes = max_body;
  transport_options.max_sessions = max_sessions;
  transport_options.max_streams = max_streams;
  transport_options.sse_retry = std::chrono::milliseconds(sse_retry_ms);
  transport_options.session_idle_timeout = std::chrono::seconds(session_idle_s);
  transport_options.session_secret = secret.empty() ? std::string() : "session-id:" + secret;
  transport_options.standalone_get_streams =
      get_streams == "on" || (get_streams == "auto" && !front.lambda());
  transport_options.session_client_requests = !front.lambda();
  transport::StreamableHttpTransport transport(server, front.executor(), transport_options, log);
  transport.set_access_control(auth.access_control());

  front.set_handler([&transport, &auth](http::Request req, std::shared_ptr<http::Responder> responder) {
    if (auth.route(req, responder)) return;
    transport.handle(std::move(req), std::move(responder));
  });
  const auto warn_secret = [&log, &secret] {
    if (secret.empty()) {
      log.warn(
          "MCP_SESSION_SECRET is not set: session ids are signed with a random per-process key, so sessions "
          "do not survive a restart or move between instances");
    }
  };

  if (front.lambda()) {
    // No network I/O before the first event: the key set is fetched when
    // the first token needs it, so a cold start is only process start-up.
    log.info("lambda runtime ready", {{"server", app.info.name},
                                      {"version", app.info.version},
                                      {"auth", auth.describe()},
                                      {"responseMode", lambda_mode}});
    warn_secret();
    transport.start();
    const int code = front.runtime().run();
    transport.close();
    front.runtime().poll();
    return code;
  }

  net::HttpServer& http_server = front.http();
  http_server.set_shutdown_hooks([&transport] { transport.begin_shutdown(); },
                                 [&transport] { return transport.idle(); });

  std::uint16_t bound = 0;
  try {
    bound = http_server.listen();
  } catch (const std::exception& e) {
    return init_failed(e.what(), 1);
  }
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::string url = fmt::format("http://{}:{}{}", shown_host, bound, endpoint);
  // The first line on stdout names the URL (tests and scripts read it), even
  // when info logging is off.
  if (log.enabled(util::LogLevel::kInfo)) {
    log.info(
        "listening",
        {{"url", url}, {"server", app.info.name}, {"version", app.info.version}, {"auth", auth.describe()}});
  } else {
    std::printf("%s\n", url.c_str());
    std::fflush(stdout);
  }
  warn_secret();
  transport.start();
  auth.start();
  http_server.run();
  // Past the grace period: cancel what still runs and let it unwind while the
  // event loop and the transport both exist.
  transport.close();
  http_server.poll();
  log.info("stopped");
  return 0;
}

}  // namespace mcp::app
