# cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=kName -P embed_file.cmake
# Writes `namespace usage::embedded { extern const std::string_view kName; }`
# holding the file's bytes (no raw-string length limits, any content).
file(READ ${INPUT} _hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," _bytes "${_hex}")
file(WRITE ${OUTPUT}
  "// Generated from ${INPUT}; do not edit.\n#include <string_view>\n"
  "namespace usage::embedded {\nnamespace {\nconstexpr char kBytes[] = {${_bytes} '\\0'};\n}\n"
  "extern const std::string_view ${SYMBOL};\n"
  "const std::string_view ${SYMBOL}(kBytes, sizeof(kBytes) - 1);\n}\n")
