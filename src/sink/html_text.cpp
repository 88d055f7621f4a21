#include "html_text.hpp"

#include "text_format.hpp"

#include <array>
#include <charconv>

namespace tcpstate::sink {

void escape_html(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out.push_back(c);
    }
  }
}

void append_fixed(std::string& out, double value, int precision) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::fixed, precision);
  out.append(buffer.data(), result.ptr);
}

void append_seconds(std::string& out, TimeNs ns) {
  append_duration(out, ns);
}

void append_exact_seconds(std::string& out, TimeNs ns) {
  std::array<char, 64> buffer{};
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), ns_to_seconds(ns));
  out.append(buffer.data(), result.ptr);
}

void append_iso(std::string& out, TimeNs time) {
  TimeFormatter().append(out, time);
}

void append_endpoint_html(std::string& out, const IpAddress& address, std::uint16_t port) {
  std::string text;
  append_endpoint(text, address, port);
  escape_html(out, text);
}

} // namespace tcpstate::sink
