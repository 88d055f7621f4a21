#pragma once
// The finished connections held in their compact form (frozen_connection.hpp), keyed by
// four-tuple like the connection table, and with the same answer to "which has been
// quiet longest" for --max-connections.
#include "frozen_connection.hpp"
#include "idle_order.hpp"
#include "record_store.hpp"

#include <cstdint>
#include <utility>

namespace tcpstate::conn {

class FrozenTable : private RecordStore<FrozenConnection> {
  using Store = RecordStore<FrozenConnection>;

public:
  using Store::k_no_slot;
  using Store::Slot;

  using Store::conn_id_at; // 0 when the slot is free
  using Store::find;
  using Store::find_by_conn_id;
  using Store::for_each_slot;
  using Store::size;

  // `frozen.key` must not be present.
  Slot insert(FrozenConnection&& frozen, std::uint64_t conn_id, std::uint64_t hash) {
    const Slot slot = add(hash, conn_id);
    Store::at(slot) = std::move(frozen);
    m_idle_order.added(*this, slot);
    return slot;
  }
  // `hash` is the key's.
  void erase(Slot slot, std::uint64_t hash) {
    remove(hash, slot);
    Store::at(slot) = FrozenConnection{};
  }

  const FrozenConnection& at(Slot slot) const { return Store::at(slot); }
  bool empty() const { return size() == 0; }

  Slot longest_idle() { return m_idle_order.longest_idle(*this); }

private:
  IdleOrder<FrozenConnection> m_idle_order;
};

} // namespace tcpstate::conn
