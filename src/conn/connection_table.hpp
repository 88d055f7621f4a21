#pragma once
// The connections being followed, keyed by the full four-tuple, in a RecordStore (paged
// records that never move, reused once freed, so memory follows the connections held).
//
// The table also answers "which connection has been quiet longest" for --max-connections.
// Keeping a recency list up to date cost three scattered record writes per packet, for a
// question that is asked only once the table is full; so the order is built the first
// time it is asked for, and checked lazily against each record's last packet after that.
#include "connection.hpp"
#include "record_store.hpp"

#include <cstdint>
#include <vector>

namespace tcpstate::conn {

class ConnectionTable : private RecordStore<Connection> {
  using Store = RecordStore<Connection>;

public:
  using Store::k_no_slot;
  using Store::Slot;

  using Store::at;
  // The conn_id of the record in `slot`, or 0 when the slot is free: a check on a slot
  // number that reads a small dense array instead of the record.
  using Store::conn_id_at;
  using Store::find;
  using Store::find_by_conn_id;
  using Store::for_each_slot;
  using Store::size;

  // A fresh record (default but for key and conn_id) for a key that must not be present.
  Slot insert(const ConnectionKey& key, std::uint64_t conn_id, std::uint64_t hash);
  void erase(Slot slot);

  // The connection whose last packet is the oldest, or k_no_slot when the table is empty.
  Slot longest_idle();

private:
  struct IdleEntry {
    std::uint64_t last_packet;
    std::uint64_t conn_id;
    Slot slot;
  };

  void rebuild_idle_order();

  // A min-heap by last packet, possibly stale: empty until longest_idle() is first called.
  std::vector<IdleEntry> m_idle_order;
  bool m_idle_order_kept = false;
};

} // namespace tcpstate::conn
