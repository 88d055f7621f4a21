#pragma once
// The identity of a connection: the full four-tuple in a canonical order, so both
// directions of the conversation find the same entry. The hash is only for lookup.
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <cstdint>

namespace tcpstate::conn {

struct ConnectionKey {
  IpAddress low_address; // the (address, port) pair that sorts first
  IpAddress high_address;
  std::uint16_t low_port = 0;
  std::uint16_t high_port = 0;

  friend bool operator==(const ConnectionKey&, const ConnectionKey&) = default;
};

enum class Direction : std::uint8_t { from_low, from_high };

struct KeyedSegment {
  ConnectionKey key;
  Direction direction;
};

KeyedSegment key_of(const decode::TcpSegment& segment);

std::uint64_t hash_key(const ConnectionKey& key);

} // namespace tcpstate::conn
