#pragma once
// The connections being followed, keyed by the full four-tuple, in a RecordStore (paged
// records that never move, reused once freed, so memory follows the connections held).
// The table also answers "which connection has been quiet longest" for --max-connections.
#include "connection.hpp"
#include "idle_order.hpp"
#include "record_store.hpp"

#include <cstdint>

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
  using Store::for_each_slot_in_place;
  using Store::full;
  using Store::size;

  // A fresh record (default but for key and conn_id) for a key that must not be present.
  Slot insert(const ConnectionKey& key, std::uint64_t conn_id, std::uint64_t hash);
  void erase(Slot slot);

  // The connection whose last packet is the oldest, or k_no_slot when the table is empty.
  Slot longest_idle() { return m_idle_order.longest_idle(*this); }

private:
  IdleOrder<Connection> m_idle_order;
};

} // namespace tcpstate::conn
