#pragma once
// The identity of a connection, the one key every stage uses: the full four-tuple in a
// canonical order, so both directions of the conversation find the same entry. The hash is
// only for lookup within one process. Every packet is keyed, hashed and looked up, so all
// of it is inline word arithmetic.
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::conn {

// (a, a_port) < (b, b_port) for the two endpoints of one packet (so of one family).
inline bool endpoint_less(const IpAddress& a, std::uint16_t a_port, const IpAddress& b,
                          std::uint16_t b_port) {
  if (a.ordered_word(0) != b.ordered_word(0)) {
    return a.ordered_word(0) < b.ordered_word(0);
  }
  if (a.ordered_word(1) != b.ordered_word(1)) {
    return a.ordered_word(1) < b.ordered_word(1);
  }
  return a_port < b_port;
}

struct ConnectionKey {
  IpAddress low_address; // the (address, port) pair that sorts first
  IpAddress high_address;
  std::uint16_t low_port = 0;
  std::uint16_t high_port = 0;

  friend bool operator==(const ConnectionKey& a, const ConnectionKey& b) {
    return a.low_port == b.low_port && a.high_port == b.high_port &&
           a.low_address == b.low_address && a.high_address == b.high_address;
  }
};

// The key of the connection between two endpoints, in either order.
inline ConnectionKey key_between(const IpAddress& a, std::uint16_t a_port, const IpAddress& b,
                                 std::uint16_t b_port) {
  if (endpoint_less(a, a_port, b, b_port)) {
    return {a, b, a_port, b_port};
  }
  return {b, a, b_port, a_port};
}

enum class Direction : std::uint8_t { from_low, from_high };

struct KeyedSegment {
  ConnectionKey key;
  Direction direction;
};

inline KeyedSegment key_of(const decode::TcpSegment& segment) {
  KeyedSegment keyed;
  if (endpoint_less(segment.src, segment.src_port, segment.dst, segment.dst_port)) {
    keyed.key = {segment.src, segment.dst, segment.src_port, segment.dst_port};
    keyed.direction = Direction::from_low;
  } else {
    keyed.key = {segment.dst, segment.src, segment.dst_port, segment.src_port};
    keyed.direction = Direction::from_high;
  }
  return keyed;
}

namespace key_hash {
// A 64-bit multiply-xorshift mix: good avalanche for a few machine words, and cheap.
inline std::uint64_t mix(std::uint64_t h, std::uint64_t value) {
  h ^= value;
  h *= 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 29);
}
} // namespace key_hash

inline std::uint64_t hash_key(const ConnectionKey& key) {
  using key_hash::mix;
  std::uint64_t h = 0x243F6A8885A308D3ULL;
  h = mix(h, key.low_address.word(0));
  h = mix(h, key.high_address.word(0));
  if (key.low_address.family == IpFamily::v6 || key.high_address.family == IpFamily::v6) {
    h = mix(h, key.low_address.word(1));
    h = mix(h, key.high_address.word(1));
  }
  h = mix(h, (std::uint64_t{key.low_port} << 16) | key.high_port |
                 (std::uint64_t{static_cast<std::uint8_t>(key.low_address.family)} << 32));
  return h;
}

} // namespace tcpstate::conn

namespace tcpstate::conn {

// For std::unordered_map and friends.
struct ConnectionKeyHash {
  std::size_t operator()(const ConnectionKey& key) const noexcept {
    return static_cast<std::size_t>(hash_key(key));
  }
};

} // namespace tcpstate::conn
