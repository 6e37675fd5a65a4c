#include "common/server_app.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/auth_setup.hpp"
#include "mcp/net/http_server.hpp"
#include "mcp/transport/streamable_http.hpp"
#include "mcp/util/strings.hpp"

namespace mcp::app {

int run_server_app(int argc, char** argv, const ServerApp& app) {
  CLI::App cli{app.description, app.program};
  std::string host = "127.0.0.1";
  int port = 3000;
  std::string endpoint = "/mcp";
  std::string log_level = "info";
  std::string allowed_hosts;
  std::string allowed_origins;
  std::size_t max_body = 4 * 1024 * 1024;
  std::size_t max_sessions = 10'000;
  std::size_t max_streams = 1'000;
  std::size_t max_connections = 10'000;
  long sse_retry_ms = 1000;
  long session_idle_s = 1800;
  long request_timeout_s = 300;
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
    return cli.exit(e) == 0 ? 0 : 2;
  }

  util::LogLevel level = util::LogLevel::kInfo;
  if (!util::parse_log_level(log_level, level)) {
    std::cerr << app.program << ": invalid --log-level '" << log_level
              << "' (use debug, info, warn, error or off)\n";
    return 2;
  }
  if (endpoint.empty() || endpoint.front() != '/') {
    std::cerr << app.program << ": --endpoint must start with '/' (got '" << endpoint << "')\n";
    return 2;
  }
  util::Logger log(level);

  const char* secret_env = std::getenv("MCP_SESSION_SECRET");
  std::string secret = secret_env != nullptr ? secret_env : "";
  if (!secret.empty() && secret.size() < 16) {
    std::cerr << app.program << ": MCP_SESSION_SECRET must be at least 16 characters\n";
    return 2;
  }

  ServerOptions server_options;
  server_options.info = app.info;
  server_options.instructions = app.instructions;
  server_options.state_secret = secret.empty() ? std::string() : "request-state:" + secret;
  Server server(server_options);
  if (const std::string problem = app.register_features(server, log); !problem.empty()) {
    std::cerr << app.program << ": " << problem << "\n";
    return 2;
  }

  net::HttpServerOptions http_options;
  http_options.host = host;
  http_options.port = static_cast<std::uint16_t>(port);
  http_options.max_body_bytes = max_body;
  http_options.max_connections = max_connections;
  http_options.response_timeout = std::chrono::seconds(request_timeout_s);
  net::HttpServer http_server(http_options, log);

  auto auth_stack = AuthStack::create(auth_flags, endpoint, host, http_server.executor(), log);
  if (!auth_stack) {
    std::cerr << app.program << ": " << auth_stack.error() << "\n";
    return 2;
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
  transport::StreamableHttpTransport transport(server, http_server.executor(), transport_options, log);
  transport.set_access_control(auth.access_control());

  http_server.set_handler([&transport, &auth](http::Request req, std::shared_ptr<http::Responder> responder) {
    if (auth.route(req, responder)) return;
    transport.handle(std::move(req), std::move(responder));
  });
  http_server.set_shutdown_hooks([&transport] { transport.begin_shutdown(); },
                                 [&transport] { return transport.idle(); });

  std::uint16_t bound = 0;
  try {
    bound = http_server.listen();
  } catch (const std::exception& e) {
    std::cerr << app.program << ": " << e.what() << "\n";
    return 1;
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
  if (secret.empty()) {
    log.warn(
        "MCP_SESSION_SECRET is not set: session ids are signed with a random per-process key, so sessions "
        "do not survive a restart or move between instances");
  }
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
