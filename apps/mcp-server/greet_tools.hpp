#pragma once
// The seed server's demonstration features, kept with their exact names,
// schemas and texts: tools greet and multi-greet, prompt greeting-template,
// resource greeting-resource.
#include "mcp/protocol/server.hpp"

namespace bedrock_usage {

void register_greet_features(mcp::Server& server);

}  // namespace bedrock_usage
