#pragma once
// Handlers report protocol errors by throwing McpError; the call driver turns
// it into a JSON-RPC error value before anything leaves the coroutine.
#include <stdexcept>

#include "mcp/json_rpc/message.hpp"

namespace mcp {

class McpError : public std::runtime_error {
 public:
  explicit McpError(json_rpc::Error error) : std::runtime_error(error.message), error_(std::move(error)) {}
  McpError(int code, std::string message, json_rpc::Json data = nullptr)
      : McpError(json_rpc::Error{code, std::move(message), std::move(data)}) {}
  const json_rpc::Error& error() const { return error_; }

 private:
  json_rpc::Error error_;
};

}  // namespace mcp
