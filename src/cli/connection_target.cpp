#include "tcpstate/cli/connection_target.hpp"

#include <charconv>
#include <string_view>
#include <system_error>

namespace tcpstate::cli {
namespace {

// "10.0.0.1:80" or "[2001:db8::1]:443".
bool parse_end(std::string_view text, IpAddress& address, std::uint16_t& port) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return false; // IPv6 needs its brackets
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned value = 0;
  const char* const end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
  if (port_text.empty() || ec != std::errc{} || ptr != end || value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return IpAddress::parse(std::string(host), address);
}

bool same_end(const IpAddress& address, std::uint16_t port, const IpAddress& other_address,
              std::uint16_t other_port) {
  return port == other_port && address == other_address;
}

} // namespace

bool ConnectionTarget::matches(std::uint64_t id, const IpAddress& client_address,
                               std::uint16_t client_port, const IpAddress& server_address,
                               std::uint16_t server_port) const {
  if (!by_tuple) {
    return id == conn_id;
  }
  return (same_end(address_a, port_a, client_address, client_port) &&
          same_end(address_b, port_b, server_address, server_port)) ||
         (same_end(address_a, port_a, server_address, server_port) &&
          same_end(address_b, port_b, client_address, client_port));
}

bool parse_connection_target(const std::string& text, ConnectionTarget& target) {
  target = ConnectionTarget{};
  target.text = text;
  std::uint64_t id = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (!text.empty() && ec == std::errc{} && ptr == end) {
    if (id == 0) {
      return false;
    }
    target.enabled = true;
    target.conn_id = id;
    return true;
  }
  // The dash between the ends: the one after the first end's port.
  const std::string_view all{text};
  const std::size_t start = all.starts_with('[') ? all.find(']') : 0;
  if (start == std::string_view::npos) {
    return false;
  }
  const std::size_t dash = all.find('-', start);
  if (dash == std::string_view::npos ||
      !parse_end(all.substr(0, dash), target.address_a, target.port_a) ||
      !parse_end(all.substr(dash + 1), target.address_b, target.port_b)) {
    return false;
  }
  target.enabled = true;
  target.by_tuple = true;
  return true;
}

} // namespace tcpstate::cli
