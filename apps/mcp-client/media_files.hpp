#pragma once
// Binary content from the server (images, audio, blobs) saved to files a
// person can open: a new file with an extension from the MIME type, in the
// current directory, or in $TMPDIR when that is not writable.
#include <filesystem>
#include <string>
#include <string_view>

#include "mcp/util/expected.hpp"

namespace mcp_cli {

// "png" for image/png, "bin" when unknown.
std::string extension_for_mime(std::string_view mime_type);

// `kind` names the file ("image" -> mcp-image-20250101-120000-1.png). Never
// overwrites an existing file.
mcp::util::Expected<std::filesystem::path, std::string> save_media(std::string_view bytes,
                                                                   std::string_view mime_type,
                                                                   std::string_view kind);

}  // namespace mcp_cli
