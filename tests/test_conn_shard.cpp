#include "tcpstate/conn/shard.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

using tcpstate::IpAddress;
using tcpstate::conn::shard_hash;
using tcpstate::conn::shard_of;
using tcpstate::conn::ShardSelection;

namespace {

IpAddress address(const std::string& text) {
  IpAddress parsed;
  REQUIRE(IpAddress::parse(text, parsed));
  return parsed;
}

} // namespace

// The values were computed by a separate implementation of the definition in shard.hpp (the
// man page's SHARDING). A change here re-shards every archive already split: it must be a
// deliberate, announced change of the definition, never a side effect.
TEST_CASE("shard_hash gives the defined values") {
  CHECK(shard_hash(address("10.0.0.1"), 40000, address("192.168.1.1"), 80) ==
        0x0ed69e0437f53bbcULL);
  CHECK(shard_hash(address("127.0.0.1"), 8080, address("127.0.0.2"), 30000) ==
        0xabf4e24bba10dc48ULL);
  CHECK(shard_hash(address("2001:db8::1"), 443, address("2001:db8::2"), 51234) ==
        0x695c0e18b9111208ULL);
  CHECK(shard_hash(address("0.0.0.0"), 0, address("0.0.0.0"), 0) == 0x12398e96d3959659ULL);
  CHECK(shard_of(0x0ed69e0437f53bbcULL, 7) == 3);
  CHECK(shard_of(0x695c0e18b9111208ULL, 7) == 4);
}

TEST_CASE("shard_hash is the same for both directions of a connection") {
  std::mt19937_64 random(16);
  for (int i = 0; i < 10000; ++i) {
    std::array<std::uint8_t, 16> a{};
    std::array<std::uint8_t, 16> b{};
    for (std::size_t k = 0; k < a.size(); ++k) {
      // Few byte values: equal prefixes, and equal addresses, are common.
      a[k] = static_cast<std::uint8_t>(random() % 3);
      b[k] = static_cast<std::uint8_t>(random() % 3);
    }
    const bool v6 = random() % 2 == 0;
    const IpAddress x = v6 ? IpAddress::v6(a.data()) : IpAddress::v4(a.data());
    const IpAddress y = v6 ? IpAddress::v6(b.data()) : IpAddress::v4(b.data());
    const auto x_port = static_cast<std::uint16_t>(random() % 4);
    const auto y_port = static_cast<std::uint16_t>(random() % 4);
    CHECK(shard_hash(x, x_port, y, y_port) == shard_hash(y, y_port, x, x_port));
  }
}

TEST_CASE("shard_hash spreads the connections of one client and server over the shards") {
  // The common case a poor hash gets wrong: only the client's port changes.
  const IpAddress client = address("10.1.2.3");
  const IpAddress server = address("192.0.2.10");
  for (const std::uint32_t count : {2U, 3U, 7U}) {
    std::array<int, 7> per_shard{};
    for (std::uint16_t port = 32768; port < 32768 + 7000; ++port) {
      per_shard.at(shard_of(shard_hash(client, port, server, 443), count))++;
    }
    const int even = 7000 / static_cast<int>(count);
    for (std::uint32_t k = 0; k < count; ++k) {
      CHECK(per_shard.at(k) > even * 9 / 10);
      CHECK(per_shard.at(k) < even * 11 / 10);
    }
  }
}

TEST_CASE("ShardSelection: no shard contains everything, shard K of N its own") {
  const std::uint64_t hash = 0x0ed69e0437f53bbcULL; // shard 3 of 7
  CHECK(ShardSelection{}.contains(hash));
  CHECK_FALSE(ShardSelection{}.active());
  CHECK(ShardSelection{3, 7}.contains(hash));
  CHECK_FALSE(ShardSelection{2, 7}.contains(hash));
  CHECK(ShardSelection{0, 1}.contains(hash));
  CHECK(ShardSelection{0, 1}.active());
}
