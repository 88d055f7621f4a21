#include "connection_table.hpp"

#include <algorithm>

namespace tcpstate::conn {

namespace {
// Stale entries in the idle order are tolerated up to twice the live ones plus this.
constexpr std::size_t k_idle_order_slack = 1024;

// For the std heap functions, which keep the largest in front: "newer" is "less".
struct NewerPacket {
  template <typename Entry> bool operator()(const Entry& a, const Entry& b) const {
    return a.last_packet > b.last_packet;
  }
};
} // namespace

ConnectionTable::Slot ConnectionTable::insert(const ConnectionKey& key, std::uint64_t conn_id,
                                              std::uint64_t hash) {
  const Slot slot = add(hash, conn_id);
  // Free records were reset when erased, and new pages are made of default records.
  Connection& record = at(slot);
  record.key = key;
  record.conn_id = conn_id;
  if (m_idle_order_kept) {
    m_idle_order.push_back({record.last_packet, record.conn_id, slot});
    std::push_heap(m_idle_order.begin(), m_idle_order.end(), NewerPacket{});
  }
  return slot;
}

void ConnectionTable::erase(Slot slot) {
  remove(hash_key(at(slot).key), slot);
  at(slot) = Connection{};
}

ConnectionTable::Slot ConnectionTable::longest_idle() {
  if (size() == 0) {
    return k_no_slot;
  }
  // Stale entries (records gone, or seen again since) are dropped as they surface; when
  // they outnumber the live ones the order is rebuilt, so it stays proportional to the table.
  if (!m_idle_order_kept || m_idle_order.size() > 2 * size() + k_idle_order_slack) {
    rebuild_idle_order();
  }
  while (!m_idle_order.empty()) {
    const IdleEntry oldest = m_idle_order.front();
    const bool live = conn_id_at(oldest.slot) == oldest.conn_id;
    const std::uint64_t last_packet = live ? at(oldest.slot).last_packet : 0;
    // Every live record has an entry no newer than its last packet, so an entry that is
    // current is the oldest of all.
    if (live && last_packet == oldest.last_packet) {
      return oldest.slot;
    }
    std::pop_heap(m_idle_order.begin(), m_idle_order.end(), NewerPacket{});
    m_idle_order.pop_back();
    if (live) {
      m_idle_order.push_back({last_packet, oldest.conn_id, oldest.slot});
      std::push_heap(m_idle_order.begin(), m_idle_order.end(), NewerPacket{});
    }
  }
  return k_no_slot;
}

void ConnectionTable::rebuild_idle_order() {
  m_idle_order.clear();
  m_idle_order.reserve(size());
  for_each_slot([this](Slot slot) {
    m_idle_order.push_back({at(slot).last_packet, conn_id_at(slot), slot});
  });
  std::make_heap(m_idle_order.begin(), m_idle_order.end(), NewerPacket{});
  m_idle_order_kept = true;
}

} // namespace tcpstate::conn
