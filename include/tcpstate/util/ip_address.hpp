#pragma once
// An IPv4 or IPv6 address stored by value. IPv4 addresses occupy the first four
// bytes; the family keeps 10.0.0.1 and ::a00:1 apart.
#include <array>
#include <bit>
#include <compare>
#include <cstddef>
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

  // Compared as machine words (addresses are compared per packet and per connection; the
  // defaulted byte-wise compare was an out-of-line memcmp). The order is the bytes' order,
  // then the family.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.word(0) == b.word(0) && a.word(1) == b.word(1) && a.family == b.family;
  }
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (const auto high = a.ordered_word(0) <=> b.ordered_word(0); high != 0) {
      return high;
    }
    if (const auto low = a.ordered_word(1) <=> b.ordered_word(1); low != 0) {
      return low;
    }
    return a.family <=> b.family;
  }

  // The address's bytes as two 64-bit words, in memory order.
  std::uint64_t word(std::size_t index) const {
    std::uint64_t value;
    std::memcpy(&value, bytes.data() + 8 * index, sizeof value);
    return value;
  }
  // ... and as big-endian numbers, which order like the bytes.
  std::uint64_t ordered_word(std::size_t index) const {
    if constexpr (std::endian::native == std::endian::little) {
      return __builtin_bswap64(word(index));
    } else {
      return word(index);
    }
  }
};

// A hash of an address and port, for tables keyed by one endpoint (a server).
inline std::size_t hash_endpoint(const IpAddress& address, std::uint16_t port) {
  std::uint64_t h = address.word(0) * 0x9E3779B97F4A7C15ULL;
  h ^=
      (address.word(1) + (std::uint64_t{port} << 8U) + static_cast<std::uint64_t>(address.family)) *
      0xC2B2AE3D27D4EB4FULL;
  return static_cast<std::size_t>(h ^ (h >> 29U));
}

} // namespace tcpstate
