#include "connection_key.hpp"

namespace tcpstate::conn {

namespace {

// A 64-bit multiply-xorshift mix: good avalanche for a few machine words, and cheap.
std::uint64_t mix(std::uint64_t h, std::uint64_t value) {
  h ^= value;
  h *= 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 29);
}

} // namespace

std::uint64_t hash_key(const ConnectionKey& key) {
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
