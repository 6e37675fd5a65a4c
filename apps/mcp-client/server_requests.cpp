#include "server_requests.hpp"

#include <exception>

#include "elicitation.hpp"
#include "json_fields.hpp"

namespace mcp_cli {
namespace {

using Json = nlohmann::json;
using mcp::json_rpc::Error;

// The code the MCP specification's sampling example uses for "the user
// rejected the request"; JSON-RPC reserves no code for it.
constexpr int kUserRejected = -1;

}  // namespace

mcp::util::Expected<Json, Error> answer_server_request(const std::string& method, const Json& params,
                                                       Console& console, LineReader* reader) {
  try {
    const Json args = params.is_object() ? params : Json::object();
    if (method == "elicitation/create") {
      if (reader != nullptr) return ask_user(args, console, *reader);
      Json answer = answer_with_defaults(args);
      std::string line =
          "[elicitation] " + text_of(args, "message") + " -> " + answer["action"].get<std::string>();
      if (answer.contains("content")) line.append(" ").append(answer["content"].dump());
      console.note(console.paint(Color::kDim, line));
      return answer;
    }
    if (method == "sampling/createMessage") {
      console.note(
          console.paint(Color::kYellow,
                        "[sampling] The server asked this client to run an LLM (sampling/createMessage); "
                        "mcp-client has no model, so the request was declined."));
      return mcp::util::unexpected(Error{kUserRejected, "User rejected sampling request", Json()});
    }
    if (method == "roots/list") return Json{{"roots", Json::array()}};
    return mcp::util::unexpected(Error::method_not_found(method));
  } catch (const std::exception& e) {
    // A malformed schema must not take the session down: report it to the server.
    return mcp::util::unexpected(Error::internal(e.what()));
  }
}

}  // namespace mcp_cli
