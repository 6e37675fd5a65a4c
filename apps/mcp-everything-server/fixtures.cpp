#include "mcp-everything-server/fixtures.hpp"

namespace everything {

void register_fixtures(mcp::Server& server) { (void)server; }

}  // namespace everything
