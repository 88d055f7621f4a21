// The slot index on its own: open addressing with backward-shift deletion, checked against
// a map under heavy hash collisions and through several rounds of growth.
#include "conn/slot_index.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <set>

using tcpstate::conn::SlotIndex;

namespace {

// Every slot's hash, as the index should know it.
using Reference = std::map<SlotIndex::Slot, std::uint64_t>;

void require_same(const SlotIndex& index, const Reference& reference) {
  REQUIRE(index.size() == reference.size());
  for (const auto& [slot, hash] : reference) {
    const SlotIndex::Slot wanted = slot;
    CHECK(index.find(hash, [&](SlotIndex::Slot found) { return found == wanted; }) == slot);
  }
  std::set<SlotIndex::Slot> visited;
  index.for_each_slot([&](SlotIndex::Slot slot) { CHECK(visited.insert(slot).second); });
  CHECK(visited.size() == reference.size());
  for (const SlotIndex::Slot slot : visited) {
    CHECK(reference.count(slot) == 1);
  }
}

} // namespace

TEST_CASE("conn::SlotIndex finds by hash and a match, and k_no_slot when absent") {
  SlotIndex index;
  CHECK(index.find(7, [](SlotIndex::Slot) { return true; }) == SlotIndex::k_no_slot);
  index.insert(7, 1);
  index.insert(7, 2);                            // same hash: the caller's match tells them apart
  index.insert(7 + (std::uint64_t{1} << 32), 3); // same low 32 bits, which is all it keeps
  CHECK(index.size() == 3);
  for (SlotIndex::Slot slot = 1; slot <= 3; ++slot) {
    CHECK(index.find(7, [&](SlotIndex::Slot found) { return found == slot; }) == slot);
  }
  CHECK(index.find(8, [](SlotIndex::Slot) { return true; }) == SlotIndex::k_no_slot);
  CHECK(index.find(7, [](SlotIndex::Slot) { return false; }) == SlotIndex::k_no_slot);

  index.erase(7, 2);
  CHECK(index.size() == 2);
  CHECK(index.find(7, [](SlotIndex::Slot found) { return found == 2; }) == SlotIndex::k_no_slot);
  CHECK(index.find(7, [](SlotIndex::Slot found) { return found == 3; }) == 3);
}

TEST_CASE("conn::SlotIndex agrees with a map through collisions, wrap-around and growth") {
  std::mt19937_64 random(5);
  SUBCASE("few distinct hashes: long probe runs") {
    SlotIndex index;
    Reference reference;
    SlotIndex::Slot next_slot = 0;
    for (int step = 0; step < 20000; ++step) {
      if (random() % 3 != 0 || reference.empty()) {
        // Hashes whose home buckets sit at the end of the table, so runs wrap to the start.
        const std::uint64_t hash = 1020 + random() % 8;
        index.insert(hash, next_slot);
        reference[next_slot++] = hash;
      } else {
        auto it = reference.begin();
        std::advance(it, static_cast<long>(random() % reference.size()));
        index.erase(it->second, it->first);
        reference.erase(it);
      }
      if (step % 1000 == 0) {
        require_same(index, reference);
      }
    }
    require_same(index, reference);
  }
  SUBCASE("random hashes, grown to many times the initial table, then emptied") {
    SlotIndex index;
    Reference reference;
    for (SlotIndex::Slot slot = 0; slot < 10000; ++slot) {
      const std::uint64_t hash = random();
      index.insert(hash, slot);
      reference[slot] = hash;
    }
    require_same(index, reference);
    while (!reference.empty()) {
      auto it = reference.begin();
      std::advance(it, static_cast<long>(random() % reference.size()));
      index.erase(it->second, it->first);
      reference.erase(it);
    }
    require_same(index, reference);
  }
}
