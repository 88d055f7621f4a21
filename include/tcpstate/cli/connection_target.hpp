#pragma once
// One connection named on the command line (--follow, --conn): by its conn_id, or by its
// four-tuple in either order.
#include "tcpstate/util/ip_address.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::cli {

struct ConnectionTarget {
  bool enabled = false;
  bool by_tuple = false; // else by conn_id
  std::uint64_t conn_id = 0;
  IpAddress address_a; // by_tuple: the two ends, in either order
  std::uint16_t port_a = 0;
  IpAddress address_b;
  std::uint16_t port_b = 0;
  std::string text; // as given, for messages

  // Whether a connection with this id and these ends is the one named. A four-tuple names
  // every incarnation on it (each reuse is a new conn_id).
  bool matches(std::uint64_t id, const IpAddress& client_address, std::uint16_t client_port,
               const IpAddress& server_address, std::uint16_t server_port) const;
};

// "42", "10.0.0.1:80-10.0.0.2:5000", "[::1]:80-[::1]:8080". False if `text` is neither.
bool parse_connection_target(const std::string& text, ConnectionTarget& target);

} // namespace tcpstate::cli
