#pragma once
// The functions behind each command (internal to the command table).
#include "commands.hpp"

namespace mcp_cli::handlers {

// Session: commands_session.cpp
CommandResult connect(CommandContext&, const CommandInput&);
CommandResult disconnect(CommandContext&, const CommandInput&);
CommandResult reconnect(CommandContext&, const CommandInput&);
CommandResult terminate_session(CommandContext&, const CommandInput&);
CommandResult status(CommandContext&, const CommandInput&);
CommandResult ping(CommandContext&, const CommandInput&);
CommandResult auth(CommandContext&, const CommandInput&);
CommandResult debug(CommandContext&, const CommandInput&);
CommandResult help(CommandContext&, const CommandInput&);
CommandResult quit(CommandContext&, const CommandInput&);

// Server features: commands_features.cpp
CommandResult list_tools(CommandContext&, const CommandInput&);
CommandResult call_tool(CommandContext&, const CommandInput&);
CommandResult greet(CommandContext&, const CommandInput&);
CommandResult multi_greet(CommandContext&, const CommandInput&);
CommandResult bedrock_report(CommandContext&, const CommandInput&);
CommandResult list_prompts(CommandContext&, const CommandInput&);
CommandResult get_prompt(CommandContext&, const CommandInput&);
CommandResult list_resources(CommandContext&, const CommandInput&);
CommandResult list_resource_templates(CommandContext&, const CommandInput&);
CommandResult read_resource(CommandContext&, const CommandInput&);

// Shared helpers: commands.cpp
CommandResult failed(CommandContext& context, const Failure& failure);
CommandResult usage(CommandContext& context, std::string_view message);

}  // namespace mcp_cli::handlers
