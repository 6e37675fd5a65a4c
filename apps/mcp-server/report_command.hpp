#pragma once
// `mcp-server report …`: the usage report without MCP, for people and
// scripts. Exit status 0 on success, 1 when AWS or the source fails, 2 for
// bad arguments.
namespace bedrock_usage {

int run_report_command(int argc, char** argv);

}  // namespace bedrock_usage
