#include "connection_table.hpp"

namespace tcpstate::conn {

ConnectionTable::Slot ConnectionTable::insert(const ConnectionKey& key, std::uint64_t conn_id,
                                              std::uint64_t hash) {
  const Slot slot = add(hash, conn_id);
  // Free records were reset when erased, and new pages are made of default records.
  Connection& record = at(slot);
  record.key = key;
  record.conn_id = conn_id;
  m_idle_order.added(*this, slot);
  return slot;
}

void ConnectionTable::erase(Slot slot) {
  remove(hash_key(at(slot).key), slot);
  at(slot) = Connection{};
}

} // namespace tcpstate::conn
