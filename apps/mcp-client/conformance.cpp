#include "conformance.hpp"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <vector>

#include "exit_codes.hpp"
#include "json_fields.hpp"
#include "mcp/client/oauth_provider.hpp"
#include "mcp/client/session.hpp"
#include "mcp/net/curl_client.hpp"
#include "mcp/util/crypto.hpp"
#include "render.hpp"
#include "server_requests.hpp"

namespace mcp_cli {
namespace {

using mcp::client::Session;

constexpr const char* kClientMetadataUrl = "https://conformance-test.local/client-metadata.json";
constexpr const char* kRedirectUri = "http://localhost:3000/callback";  // never listened on: headless login
constexpr std::chrono::milliseconds kRequestTimeout{20000};             // the runner allows 30 s per scenario

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// Arguments that satisfy a tool's required properties, for scenarios that
// only check that (and how) tools get called.
Json arguments_for(const Json& tool) {
  Json args = Json::object();
  const Json schema = object_of(tool, "inputSchema");
  if (!schema.is_object()) return args;
  const Json props = object_of(schema, "properties");
  for (const Json& name : array_of(schema, "required")) {
    if (!name.is_string()) continue;
    const Json prop = object_of(props, name.get<std::string>());
    const std::string type = prop.is_object() ? text_of(prop, "type", "string") : "string";
    Json value = "test";
    if (prop.is_object() && prop.contains("default"))
      value = prop["default"];
    else if (prop.is_object() && prop.contains("enum") && !prop["enum"].empty())
      value = prop["enum"][0];
    else if (type == "integer" || type == "number")
      value = 1;
    else if (type == "boolean")
      value = true;
    else if (type == "array")
      value = Json::array();
    else if (type == "object")
      value = Json::object();
    args[name.get<std::string>()] = value;
  }
  return args;
}

// One scenario run: a session plus the steps, each logged to stderr.
class Runner {
 public:
  Runner(Session& session, Console& console) : session_(session), console_(console) {}

  // nullopt on success, else the exit code of the first failure.
  std::optional<ExitCode> request(const std::string& method, Json params, Json* result = nullptr) {
    auto answer = session_.request(method, std::move(params));
    if (!answer) {
      console_.err("conformance: " + method + " failed");
      render_failure(console_, answer.error(), "auth");
      return exit_code_for(answer.error());
    }
    console_.err("conformance: " + method + " ok: " + short_json(*answer, 300));
    if (flag_of(*answer, "isError", false)) return ExitCode::kFailed;
    if (result != nullptr) *result = std::move(*answer);
    return std::nullopt;
  }

  std::optional<ExitCode> list_tools(Json& tools) {
    Json result;
    if (auto failed = request("tools/list", Json::object(), &result)) return failed;
    tools = array_of(result, "tools");
    return std::nullopt;
  }

  std::optional<ExitCode> call(const std::string& name, Json arguments) {
    return request("tools/call", Json{{"name", name}, {"arguments", std::move(arguments)}});
  }

 private:
  Session& session_;
  Console& console_;
};

const Json* find_tool(const Json& tools, std::string_view name) {
  for (const Json& tool : tools) {
    if (tool.is_object() && text_of(tool, "name") == name) return &tool;
  }
  return nullptr;
}

// The YAML front matter of a skill file ("---\nkey: value\n---") as pairs.
std::vector<std::pair<std::string, std::string>> front_matter(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (!text.starts_with("---\n")) return fields;
  const auto end = text.find("\n---", 4);
  std::size_t pos = 4;
  while (pos < end && end != std::string::npos) {
    const auto eol = text.find('\n', pos);
    const std::string line = text.substr(pos, std::min(eol, end) - pos);
    if (const auto colon = line.find(':'); colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      fields.emplace_back(line.substr(0, colon), value);
    }
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  return fields;
}

// SEP-2640 skills: list; unless the scenario forbids prefetching, read each
// skill's SKILL.md and refuse it (stop) when digest, size or front matter
// differ from the list entry.
std::optional<ExitCode> run_skills(Runner& runner, Session& session, Console& console, bool read) {
  Json listed;
  if (auto failed = runner.request("skills/list", Json::object(), &listed)) return failed;
  if (!read) return std::nullopt;
  for (const Json& skill : array_of(listed, "skills")) {
    const std::string uri = text_of(skill, "uri");
    Json entry;
    for (const Json& r : array_of(skill, "resources")) {
      if (text_of(r, "uri") == uri) entry = r;
    }
    auto read_result = session.request("resources/read", Json{{"uri", uri}});
    if (!read_result) return exit_code_for(read_result.error());
    const Json contents = array_of(*read_result, "contents");
    const std::string text = contents.empty() ? "" : text_of(contents[0], "text");
    const auto digest = mcp::util::sha256(text);
    const std::string hex =
        mcp::util::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    if (entry.is_object() && entry.contains("digest") && text_of(entry, "digest") != "sha256:" + hex) {
      console.err("conformance: " + uri + " does not match its digest; skill rejected");
      return ExitCode::kFailed;
    }
    if (entry.is_object() && entry.contains("size") && entry["size"].is_number() &&
        entry["size"].get<std::size_t>() != text.size()) {
      console.err("conformance: " + uri + " does not match its size; skill rejected");
      return ExitCode::kFailed;
    }
    const Json declared = object_of(skill, "frontmatter");
    for (const auto& [key, value] : front_matter(text)) {
      if (declared.contains(key) && declared[key].is_string() && declared[key].get<std::string>() != value) {
        console.err(std::string("conformance: ")
                        .append(uri)
                        .append(" front matter '")
                        .append(key)
                        .append("' differs; skill rejected"));
        return ExitCode::kFailed;
      }
    }
    for (const Json& r : array_of(skill, "resources")) {
      if (text_of(r, "uri") == uri) continue;
      if (auto failed = runner.request("resources/read", Json{{"uri", text_of(r, "uri")}})) return failed;
    }
  }
  return std::nullopt;
}

std::optional<ExitCode> run_steps(const std::string& scenario, const Json& context, Runner& runner,
                                  Session& session, Console& console) {
  if (scenario.starts_with("sep-2640-")) {
    return run_skills(runner, session, console, scenario != "sep-2640-client-no-prefetch");
  }
  Json tools;
  if (auto failed = runner.list_tools(tools)) return failed;
  if (scenario == "initialize" || scenario == "request-metadata" || scenario == "json-schema-ref-no-deref") {
    return std::nullopt;
  }
  if (scenario == "tools_call") {
    const Json* tool = find_tool(tools, "add_numbers");
    if (tool == nullptr && !tools.empty()) tool = &tools[0];
    if (tool == nullptr) return ExitCode::kFailed;
    return runner.call(text_of(*tool, "name"), Json{{"a", 2}, {"b", 3}});
  }
  if (scenario == "elicitation-sep1034-client-defaults") {
    return runner.call("test_client_elicitation_defaults", Json::object());
  }
  if (scenario == "sse-retry") return runner.call("test_reconnection", Json::object());
  if (scenario == "json-schema-2020-12-preservation") {
    const Json* tool = find_tool(tools, "json_schema_2020_12_tool");
    if (tool == nullptr) return ExitCode::kFailed;
    return runner.call("json_schema_echo", Json{{"schema", object_of(*tool, "inputSchema")}});
  }
  if (scenario == "http-custom-headers") {
    for (const Json& call : array_of(context, "toolCalls")) {
      if (auto failed = runner.call(text_of(call, "name"), object_of(call, "arguments"))) return failed;
    }
    return std::nullopt;
  }
  // Everything else (auth/*, sep-2322, http-*-headers): call each listed
  // tool once; auth/scope-step-up and the AS migration need a call after the list.
  for (const Json& tool : tools) {
    if (auto failed = runner.call(text_of(tool, "name"), arguments_for(tool))) return failed;
  }
  if (scenario == "http-standard-headers") {
    Json resources;
    if (auto failed = runner.request("resources/list", Json::object(), &resources)) return failed;
    const Json list = array_of(resources, "resources");
    if (!list.empty()) {
      if (auto failed = runner.request("resources/read", Json{{"uri", text_of(list[0], "uri")}}))
        return failed;
    }
    Json prompts;
    if (auto failed = runner.request("prompts/list", Json::object(), &prompts)) return failed;
    const Json plist = array_of(prompts, "prompts");
    if (!plist.empty()) {
      Json get{{"name", text_of(plist[0], "name")}, {"arguments", Json::object()}};
      if (auto failed = runner.request("prompts/get", std::move(get))) return failed;
    }
  }
  return std::nullopt;
}

}  // namespace

int run_conformance(const std::string& url, Console& console, bool debug) {
  console.set_notes_to_stderr(true);
  const std::string scenario = env("MCP_CONFORMANCE_SCENARIO");
  if (scenario.empty()) {
    render_error(console, "MCP_CONFORMANCE_SCENARIO is not set");
    return to_int(ExitCode::kUsage);
  }
  Json context = Json::object();
  if (const std::string text = env("MCP_CONFORMANCE_CONTEXT"); !text.empty()) {
    context = Json::parse(text, nullptr, false);
    if (!context.is_object()) {
      render_error(console, "MCP_CONFORMANCE_CONTEXT is not a JSON object");
      return to_int(ExitCode::kUsage);
    }
  }
  console.err("conformance: scenario " + scenario + " against " + url);

  mcp::client::Options options;
  options.url = url;
  options.client_info = {"mcp-client", MCP_PROJECT_VERSION};
  if (const std::string version = env("MCP_CONFORMANCE_PROTOCOL_VERSION"); !version.empty()) {
    options.version = mcp::protocol::parse_version(version);
    if (!options.version) console.err("conformance: unknown protocol version " + version + "; negotiating");
  }
  options.request_timeout = kRequestTimeout;

  auto trace = [&console, debug](std::string_view line) {
    if (debug) console.err("[debug] " + std::string(line));
  };
  mcp::client::Handlers handlers;
  handlers.on_notification = [&console](const mcp::json_rpc::Notification& n) {
    console.err("conformance: notification " + n.method + " " + short_json(n.params));
  };
  handlers.on_request = [&console](const std::string& method, const Json& params) {
    console.err("conformance: server request " + method);
    return answer_server_request(method, params, console, nullptr);
  };
  handlers.on_trace = trace;

  std::unique_ptr<mcp::client::OAuthProvider> auth;
  if (scenario.starts_with("auth/")) {
    mcp::client::OAuthOptions oauth;
    oauth.mode = mcp::client::LoginMode::kHeadless;
    oauth.redirect_uri = kRedirectUri;
    oauth.client_metadata_url = kClientMetadataUrl;
    oauth.client_id = text_of(context, "client_id");
    oauth.client_secret = text_of(context, "client_secret");
    oauth.trust_any_issuer = true;  // a test harness: the 0.1.16 suite names no issuer
    oauth.credentials_issuer = text_of(context, "issuer");
    // Machine-to-machine scenarios: a signing key (private_key_jwt), a
    // workload assertion (jwt-bearer), or an enterprise IdP (ID-JAG).
    oauth.private_key_pem = text_of(context, "private_key_pem");
    oauth.jwt_bearer_assertion = text_of(context, "valid_jwt");
    if (const std::string idp = text_of(context, "idp_token_endpoint"); !idp.empty()) {
      oauth.enterprise_idp = mcp::client::OAuthOptions::EnterpriseIdp{idp, text_of(context, "idp_client_id"),
                                                                      text_of(context, "idp_id_token")};
    }
    oauth.say = [&console](std::string_view line) {
      console.err("conformance: " + std::string(line));
    };
    oauth.trace = trace;
    auth = std::make_unique<mcp::client::OAuthProvider>(
        url, std::move(oauth),
        [](const mcp::http::ClientRequest& request) { return mcp::net::perform(request); });
  }

  mcp::net::CurlStreamingClient http;
  Session session(std::move(options), http, std::move(handlers), auth.get());
  auto info = session.connect();
  if (!info) {
    console.err("conformance: connect failed");
    render_failure(console, info.error(), "auth");
    return to_int(exit_code_for(info.error()));
  }
  console.err("conformance: connected, protocol " + std::string(mcp::protocol::to_string(info->version)));
  Runner runner(session, console);
  const auto failed = run_steps(scenario, context, runner, session, console);
  // No DELETE: mocks keep streams open and may not route it; exit promptly.
  session.disconnect();
  if (failed) {
    console.err("conformance: scenario failed");
    return to_int(*failed);
  }
  console.err("conformance: scenario done");
  return 0;
}

}  // namespace mcp_cli
