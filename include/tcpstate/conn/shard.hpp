#pragma once
// The one shard function of tcpstate's processes: which of N shards a TCP connection
// belongs to under --shard K/N and in tcpstate-merge, so that one connection always lands
// in one place. (The shard threads of one process, sharded_reconstructor.cpp, split by a
// cheaper hash of their own: their rows do not depend on the split.)
//
// It must give the same answer on every machine and in every version, because shards of
// one capture may be analysed by different machines and builds. So it is defined on
// bytes, not on the in-memory layout (the man page, SHARDING, says the same):
//
//   1. Each endpoint is written as its address in network byte order (4 bytes for IPv4,
//      16 for IPv6) followed by its port as 2 bytes, big-endian.
//   2. The two endpoint strings are put in ascending byte order (both directions of a
//      connection thus give the same string) and concatenated: 12 bytes for IPv4, 36 for
//      IPv6.
//   3. The hash is the 64-bit FNV-1a of those bytes (offset basis 0xcbf29ce484222325, prime
//      0x100000001b3), passed through MurmurHash3's 64-bit finalizer (fmix64): FNV-1a alone
//      leaves its low bits poorly mixed.
//   4. The shard is that hash modulo N; shards are numbered 0 to N-1.
//
// Changing any of this breaks the shards of archives already split, hence the fixed
// values in tests/test_conn_shard.cpp.
#include "tcpstate/conn/connection_key.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/ip_address.hpp"

#include <cstdint>

namespace tcpstate::conn {

std::uint64_t shard_hash(const IpAddress& a, std::uint16_t a_port, const IpAddress& b,
                         std::uint16_t b_port);

inline std::uint64_t shard_hash(const decode::TcpSegment& segment) {
  return shard_hash(segment.src, segment.src_port, segment.dst, segment.dst_port);
}

inline std::uint64_t shard_hash(const ConnectionKey& key) {
  return shard_hash(key.low_address, key.low_port, key.high_address, key.high_port);
}

inline std::uint32_t shard_of(std::uint64_t hash, std::uint32_t count) {
  return static_cast<std::uint32_t>(hash % count);
}

// --shard K/N: this process reports the connections of shard `index` out of `count`.
// `count` 0 means no sharding: every connection is reported.
struct ShardSelection {
  std::uint32_t index = 0;
  std::uint32_t count = 0;

  bool active() const { return count != 0; }
  bool contains(std::uint64_t hash) const { return count == 0 || shard_of(hash, count) == index; }
};

} // namespace tcpstate::conn
