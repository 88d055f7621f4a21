// The record store under the connection and embryo tables: records found by key, slots
// reused after removal, and records that never move while the store grows.
#include "conn/record_store.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <vector>

using tcpstate::conn::ConnectionKey;
using tcpstate::conn::hash_key;
using tcpstate::conn::RecordStore;

namespace {

struct Record {
  ConnectionKey key;
  std::uint64_t value = 0;
};
using Store = RecordStore<Record>;

ConnectionKey key_for(std::uint32_t n) {
  ConnectionKey key;
  key.low_port = static_cast<std::uint16_t>(n);
  key.high_port = static_cast<std::uint16_t>(n >> 16);
  return key;
}

Store::Slot add(Store& store, std::uint32_t n, std::uint64_t hash) {
  const Store::Slot slot = store.add(hash, n + 1);
  store.at(slot).key = key_for(n);
  store.at(slot).value = n;
  return slot;
}

} // namespace

TEST_CASE("conn::RecordStore finds a record by its key or by its conn_id") {
  Store store;
  const ConnectionKey key = key_for(1);
  CHECK(store.find(key, hash_key(key)) == Store::k_no_slot);
  const Store::Slot slot = add(store, 1, hash_key(key));
  CHECK(store.size() == 1);
  CHECK(store.find(key, hash_key(key)) == slot);
  CHECK(store.find_by_conn_id(hash_key(key), 2) == slot);
  CHECK(store.find_by_conn_id(hash_key(key), 3) == Store::k_no_slot);
  CHECK(store.conn_id_at(slot) == 2);

  SUBCASE("keys whose hashes collide stay apart") {
    const Store::Slot other = add(store, 2, hash_key(key));
    CHECK(other != slot);
    CHECK(store.find(key, hash_key(key)) == slot);
    CHECK(store.find(key_for(2), hash_key(key)) == other);
    CHECK(store.at(other).value == 2);
  }
}

TEST_CASE("conn::RecordStore reuses a removed slot and leaves its record to the caller") {
  Store store;
  const Store::Slot first = add(store, 1, 100);
  const Store::Slot second = add(store, 2, 200);
  store.remove(100, first);
  CHECK(store.size() == 1);
  CHECK(store.conn_id_at(first) == 0);
  CHECK(store.find(key_for(1), 100) == Store::k_no_slot);
  CHECK(store.find(key_for(2), 200) == second);

  const Store::Slot reused = store.add(300, 9);
  CHECK(reused == first);
  CHECK(store.at(reused).value == 1); // what was left there, for the caller to reset
  CHECK(store.conn_id_at(reused) == 9);
}

TEST_CASE("conn::RecordStore never moves a record while it grows past a page") {
  Store store;
  std::vector<Record*> addresses;
  // More than two pages' worth, whatever the size of a record.
  const auto count = static_cast<std::uint32_t>(
      2 * tcpstate::conn::record_pages::k_page_bytes / sizeof(Record) + 10);
  for (std::uint32_t n = 0; n < count; ++n) {
    const ConnectionKey key = key_for(n);
    addresses.push_back(&store.at(add(store, n, hash_key(key))));
  }
  CHECK(store.size() == count);
  std::set<Store::Slot> visited;
  store.for_each_slot([&](Store::Slot slot) { visited.insert(slot); });
  CHECK(visited.size() == count);
  for (std::uint32_t n = 0; n < count; n += 997) {
    CAPTURE(n);
    const ConnectionKey key = key_for(n);
    const Store::Slot slot = store.find(key, hash_key(key));
    REQUIRE(slot != Store::k_no_slot);
    CHECK(&store.at(slot) == addresses[n]);
    CHECK(store.at(slot).value == n);
  }
}
