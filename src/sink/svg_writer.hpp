#pragma once
// The few pieces of SVG the report's pictures are built from, appended to a caller-owned
// string.
#include <cstdint>
#include <string>
#include <string_view>

namespace tcpstate::sink {

// ` name="value"`, to go inside an element's start tag.
void append_int_attr(std::string& out, std::string_view name, std::int64_t value);
// `<text class="css" x=".." y="..">text</text>`, the text escaped.
void append_svg_text(std::string& out, std::string_view css, int x, int y, std::string_view text);

} // namespace tcpstate::sink
