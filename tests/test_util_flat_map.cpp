#include "tcpstate/util/flat_map.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <vector>

using tcpstate::FlatMap;

namespace {

struct SpreadHash {
  std::uint64_t operator()(std::uint32_t key) const { return key * 0x9E3779B97F4A7C15ULL; }
};
// Every key on one slot and one tag: each lookup walks the probe run and compares keys.
struct CollidingHash {
  std::uint64_t operator()(std::uint32_t /*key*/) const { return 0x1234'5678'0000'0007ULL; }
};
// Hashes that differ in their high bits only, as weak hashes of addresses do.
struct HighBitsHash {
  std::uint64_t operator()(std::uint32_t key) const { return std::uint64_t{key} << 40U; }
};

template <typename Hash> void compare_with_unordered_map(std::uint32_t key_range, int steps) {
  FlatMap<std::uint32_t, std::uint64_t, Hash> map;
  std::unordered_map<std::uint32_t, std::uint64_t> reference;
  std::vector<std::uint32_t> order;
  std::mt19937 random(11);
  for (int step = 0; step < steps; ++step) {
    const auto key = static_cast<std::uint32_t>(random() % key_range);
    if (random() % 3 == 0) {
      const std::uint64_t* found = map.find(key);
      const auto expected = reference.find(key);
      REQUIRE((found == nullptr) == (expected == reference.end()));
      if (found != nullptr) {
        CHECK(*found == expected->second);
      }
      continue;
    }
    if (!reference.contains(key)) {
      order.push_back(key);
    }
    map[key] += static_cast<std::uint64_t>(step);
    reference[key] += static_cast<std::uint64_t>(step);
  }
  REQUIRE(map.size() == reference.size());
  REQUIRE(map.entries().size() == order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    CHECK(map.entries()[i].key == order[i]);
    CHECK(map.entries()[i].value == reference.at(order[i]));
  }
}

} // namespace

TEST_CASE("FlatMap finds and adds like std::unordered_map, entries in insertion order") {
  compare_with_unordered_map<SpreadHash>(50'000, 200'000);
  compare_with_unordered_map<SpreadHash>(10, 1000);
  compare_with_unordered_map<HighBitsHash>(5000, 20'000);
  compare_with_unordered_map<CollidingHash>(300, 3000);
}

TEST_CASE("FlatMap: an empty map finds nothing, a value is added value-initialised") {
  FlatMap<std::uint32_t, std::uint64_t, SpreadHash> map;
  CHECK(map.empty());
  CHECK(map.find(7) == nullptr);
  CHECK(map[7] == 0);
  CHECK(map.size() == 1);
  map[7] = 9;
  REQUIRE(map.find(7) != nullptr);
  CHECK(*map.find(7) == 9);
  CHECK(map.find(8) == nullptr);
  CHECK(map.at(7) == 9);
  CHECK_THROWS_AS((void)map.at(8), std::out_of_range);
}
