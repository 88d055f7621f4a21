#pragma once
// An IPv4 or IPv6 address stored by value. IPv4 addresses occupy the first four
// bytes; the family keeps 10.0.0.1 and ::a00:1 apart.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace tcpstate {

enum class IpFamily : std::uint8_t { v4 = 4, v6 = 6 };

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  IpFamily family = IpFamily::v4;

  static IpAddress v4(const std::uint8_t* four_bytes) {
    IpAddress address;
    std::memcpy(address.bytes.data(), four_bytes, 4);
    address.family = IpFamily::v4;
    return address;
  }
  static IpAddress v6(const std::uint8_t* sixteen_bytes) {
    IpAddress address;
    std::memcpy(address.bytes.data(), sixteen_bytes, 16);
    address.family = IpFamily::v6;
    return address;
  }

  // Parses dotted-quad or RFC 4291 text; returns false on anything else.
  static bool parse(const std::string& text, IpAddress& out);

  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

} // namespace tcpstate
