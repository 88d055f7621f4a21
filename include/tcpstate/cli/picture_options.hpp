#pragma once
// What the command line says about the pictures: --follow (a ladder diagram of one
// connection), --report (a self-contained HTML report) and --color.
#include "tcpstate/util/ip_address.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::cli {

enum class ColorMode : std::uint8_t { automatic, always, never };

struct FollowTarget {
  bool enabled = false;
  bool by_tuple = false; // else by conn_id
  std::uint64_t conn_id = 0;
  IpAddress address_a; // by_tuple: the two ends, in either order
  std::uint16_t port_a = 0;
  IpAddress address_b;
  std::uint16_t port_b = 0;
  std::string text; // as given, for messages
};

struct PictureOptions {
  FollowTarget follow;     // --follow
  std::string report_path; // --report; empty: none
  ColorMode color = ColorMode::automatic;
};

// "42", "10.0.0.1:80-10.0.0.2:5000", "[::1]:80-[::1]:8080". False if `text` is neither.
bool parse_follow_target(const std::string& text, FollowTarget& target);

} // namespace tcpstate::cli
