#include "tcpstate/conn/shard.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace tcpstate::conn {
namespace {

// One endpoint as the definition writes it: address bytes, then the port big-endian.
struct EndpointBytes {
  std::array<std::uint8_t, 18> bytes{};
  std::size_t size = 0;
};

EndpointBytes endpoint_bytes(const IpAddress& address, std::uint16_t port) {
  EndpointBytes out;
  const std::size_t address_size = address.family == IpFamily::v4 ? 4 : 16;
  std::copy_n(address.bytes.begin(), address_size, out.bytes.begin());
  out.bytes[address_size] = static_cast<std::uint8_t>(port >> 8);
  out.bytes[address_size + 1] = static_cast<std::uint8_t>(port & 0xff);
  out.size = address_size + 2;
  return out;
}

bool bytes_less(const EndpointBytes& a, const EndpointBytes& b) {
  return std::lexicographical_compare(a.bytes.begin(), a.bytes.begin() + a.size, b.bytes.begin(),
                                      b.bytes.begin() + b.size);
}

constexpr std::uint64_t k_fnv_offset_basis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t k_fnv_prime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::uint64_t hash, const EndpointBytes& endpoint) {
  for (std::size_t i = 0; i < endpoint.size; ++i) {
    hash ^= endpoint.bytes[i];
    hash *= k_fnv_prime;
  }
  return hash;
}

std::uint64_t fmix64(std::uint64_t hash) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

} // namespace

std::uint64_t shard_hash(const IpAddress& a, std::uint16_t a_port, const IpAddress& b,
                         std::uint16_t b_port) {
  EndpointBytes first = endpoint_bytes(a, a_port);
  EndpointBytes second = endpoint_bytes(b, b_port);
  if (bytes_less(second, first)) {
    std::swap(first, second);
  }
  return fmix64(fnv1a(fnv1a(k_fnv_offset_basis, first), second));
}

} // namespace tcpstate::conn
