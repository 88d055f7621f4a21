#pragma once
// The identity of a connection: the full four-tuple in a canonical order, so both
// directions of the conversation find the same entry. The hash is only for lookup.
//
// Every packet is keyed and looked up, so comparisons work on machine words: a byte-wise
// compare of the 17-byte addresses was an out-of-line memcmp per call and the largest
// single cost of a lookup.
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

namespace tcpstate::conn {

namespace key_detail {

inline std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// Big-endian words order like the bytes do, so the word compare below agrees with
// IpAddress's lexicographic order.
inline std::uint64_t load64_ordered(const std::uint8_t* p) {
  const std::uint64_t value = load64(p);
  if constexpr (std::endian::native == std::endian::little) {
    return __builtin_bswap64(value);
  } else {
    return value;
  }
}

inline bool same_address(const IpAddress& a, const IpAddress& b) {
  return load64(a.bytes.data()) == load64(b.bytes.data()) &&
         load64(a.bytes.data() + 8) == load64(b.bytes.data() + 8) && a.family == b.family;
}

// (a, a_port) < (b, b_port) for two addresses of one packet (so of one family).
inline bool endpoint_less(const IpAddress& a, std::uint16_t a_port, const IpAddress& b,
                          std::uint16_t b_port) {
  const std::uint64_t a_high = load64_ordered(a.bytes.data());
  const std::uint64_t b_high = load64_ordered(b.bytes.data());
  if (a_high != b_high) {
    return a_high < b_high;
  }
  const std::uint64_t a_low = load64_ordered(a.bytes.data() + 8);
  const std::uint64_t b_low = load64_ordered(b.bytes.data() + 8);
  if (a_low != b_low) {
    return a_low < b_low;
  }
  return a_port < b_port;
}

} // namespace key_detail

struct ConnectionKey {
  IpAddress low_address; // the (address, port) pair that sorts first
  IpAddress high_address;
  std::uint16_t low_port = 0;
  std::uint16_t high_port = 0;

  friend bool operator==(const ConnectionKey& a, const ConnectionKey& b) {
    return a.low_port == b.low_port && a.high_port == b.high_port &&
           key_detail::same_address(a.low_address, b.low_address) &&
           key_detail::same_address(a.high_address, b.high_address);
  }
};

enum class Direction : std::uint8_t { from_low, from_high };

struct KeyedSegment {
  ConnectionKey key;
  Direction direction;
};

inline KeyedSegment key_of(const decode::TcpSegment& segment) {
  KeyedSegment keyed;
  if (key_detail::endpoint_less(segment.src, segment.src_port, segment.dst, segment.dst_port)) {
    keyed.key = {segment.src, segment.dst, segment.src_port, segment.dst_port};
    keyed.direction = Direction::from_low;
  } else {
    keyed.key = {segment.dst, segment.src, segment.dst_port, segment.src_port};
    keyed.direction = Direction::from_high;
  }
  return keyed;
}

std::uint64_t hash_key(const ConnectionKey& key);

} // namespace tcpstate::conn
