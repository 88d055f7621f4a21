#include "svg_writer.hpp"

#include "html_text.hpp"
#include "text_format.hpp"

namespace tcpstate::sink {

void append_int_attr(std::string& out, std::string_view name, std::int64_t value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_int(out, value);
  out += '"';
}

void append_svg_text(std::string& out, std::string_view css, int x, int y, std::string_view text) {
  out += "<text class=\"";
  out += css;
  out += '"';
  append_int_attr(out, "x", x);
  append_int_attr(out, "y", y);
  out += '>';
  escape_html(out, text);
  out += "</text>";
}

} // namespace tcpstate::sink
