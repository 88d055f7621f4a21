#pragma once
// The connections being followed, keyed by the full four-tuple. Open addressing with
// linear probing over small {hash, slot} buckets; the records themselves live in a
// separate vector so a slot number stays valid while the bucket array grows, and freed
// records are reused, so memory follows the connections open at once.
#include "connection.hpp"

#include <cstdint>
#include <vector>

namespace tcpstate::conn {

class ConnectionTable {
public:
  using Slot = std::uint32_t;
  static constexpr Slot k_no_slot = 0xffffffffU;

  ConnectionTable();

  Slot find(const ConnectionKey& key, std::uint64_t hash) const;
  // The key must not be present.
  Slot insert(Connection&& connection, std::uint64_t hash);
  void erase(Slot slot);

  // Marks the connection as just seen: it moves to the back of the idle order.
  void touch(Slot slot);
  // The connection seen least recently, or k_no_slot when the table is empty.
  Slot longest_idle() const { return m_idle_head; }

  Connection& at(Slot slot) { return m_records[slot]; }
  const Connection& at(Slot slot) const { return m_records[slot]; }
  std::size_t size() const { return m_size; }

  // Visits every live record (in no particular order).
  template <typename Visitor> void for_each_slot(Visitor&& visit) const {
    for (const Bucket& bucket : m_buckets) {
      if (bucket.slot != k_no_slot) {
        visit(bucket.slot);
      }
    }
  }

private:
  struct Bucket {
    std::uint32_t hash = 0; // low bits pick the home bucket
    Slot slot = k_no_slot;
  };

  void grow();
  void unlink(Slot slot);
  void link_at_back(Slot slot);
  std::size_t home(std::uint32_t hash) const { return hash & m_mask; }

  std::vector<Bucket> m_buckets;
  std::size_t m_mask = 0;
  std::size_t m_size = 0;
  std::vector<Connection> m_records;
  std::vector<Slot> m_free_slots;
  Slot m_idle_head = k_no_slot;
  Slot m_idle_tail = k_no_slot;
};

} // namespace tcpstate::conn
