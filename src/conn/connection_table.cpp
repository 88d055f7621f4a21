#include "connection_table.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

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
  Slot slot;
  if (!m_free_slots.empty()) {
    slot = m_free_slots.back();
    m_free_slots.pop_back();
  } else {
    slot = new_slot();
  }
  // Free records were reset when erased, and new pages are made of default records.
  Connection& record = record_at(slot);
  record.key = key;
  record.conn_id = conn_id;
  m_conn_ids[slot] = conn_id;
  if (m_idle_order_kept) {
    m_idle_order.push_back({record.last_packet, record.conn_id, slot});
    std::push_heap(m_idle_order.begin(), m_idle_order.end(), NewerPacket{});
  }
  m_index.insert(hash, slot);
  return slot;
}

void ConnectionTable::erase(Slot slot) {
  m_index.erase(hash_key(record_at(slot).key), slot);
  m_conn_ids[slot] = 0;
  record_at(slot) = Connection{};
  m_free_slots.push_back(slot);
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
    const bool live = m_conn_ids[oldest.slot] == oldest.conn_id;
    const std::uint64_t last_packet = live ? record_at(oldest.slot).last_packet : 0;
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
    m_idle_order.push_back({record_at(slot).last_packet, m_conn_ids[slot], slot});
  });
  std::make_heap(m_idle_order.begin(), m_idle_order.end(), NewerPacket{});
  m_idle_order_kept = true;
}

ConnectionTable::Slot ConnectionTable::new_slot() {
  const Slot slot = m_slots_made++;
  if (slot % k_page_size == 0) {
    m_pages.push_back(make_page());
    m_conn_ids.resize(m_conn_ids.size() + k_page_size, 0);
  }
  return slot;
}

ConnectionTable::Page ConnectionTable::make_page() {
  void* memory = std::aligned_alloc(k_page_bytes, k_page_bytes);
  if (memory == nullptr) {
    throw std::bad_alloc();
  }
  // Only a hint: without transparent huge pages the records still work on small pages.
  madvise(memory, k_page_bytes, MADV_HUGEPAGE);
  auto* records = static_cast<Connection*>(memory);
  std::uninitialized_value_construct_n(records, k_page_size);
  return Page(records);
}

void ConnectionTable::PageDeleter::operator()(Connection* records) const {
  std::destroy_n(records, k_page_size);
  std::free(records);
}

} // namespace tcpstate::conn
