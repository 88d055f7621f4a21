#include "connection_table.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

namespace tcpstate::conn {

namespace {
constexpr std::size_t k_initial_buckets = 1024;

// For the std heap functions, which keep the largest in front: "newer" is "less".
struct NewerPacket {
  template <typename Entry> bool operator()(const Entry& a, const Entry& b) const {
    return a.last_packet > b.last_packet;
  }
};
} // namespace

ConnectionTable::ConnectionTable() : m_buckets(k_initial_buckets), m_mask(k_initial_buckets - 1) {}

ConnectionTable::Slot ConnectionTable::find(const ConnectionKey& key, std::uint64_t hash) const {
  const auto hash32 = static_cast<std::uint32_t>(hash);
  for (std::size_t i = home(hash32);; i = (i + 1) & m_mask) {
    const Bucket& bucket = m_buckets[i];
    if (bucket.slot == k_no_slot) {
      return k_no_slot;
    }
    if (bucket.hash == hash32 && record_at(bucket.slot).key == key) {
      return bucket.slot;
    }
  }
}

ConnectionTable::Slot ConnectionTable::insert(const ConnectionKey& key, std::uint64_t conn_id,
                                              std::uint64_t hash) {
  // Keep the load at or below one half: probes stay short even with clustered hashes.
  if ((m_size + 1) * 2 > m_buckets.size()) {
    grow();
  }
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
  const auto hash32 = static_cast<std::uint32_t>(hash);
  std::size_t i = home(hash32);
  while (m_buckets[i].slot != k_no_slot) {
    i = (i + 1) & m_mask;
  }
  m_buckets[i] = {hash32, slot};
  ++m_size;
  return slot;
}

void ConnectionTable::erase(Slot slot) {
  const auto hash32 = static_cast<std::uint32_t>(hash_key(record_at(slot).key));
  std::size_t hole = home(hash32);
  while (m_buckets[hole].slot != slot) {
    hole = (hole + 1) & m_mask;
  }
  // Backward-shift deletion: pull later members of the probe run into the hole, so
  // lookups never need tombstones.
  for (std::size_t next = (hole + 1) & m_mask; m_buckets[next].slot != k_no_slot;
       next = (next + 1) & m_mask) {
    const std::size_t next_home = home(m_buckets[next].hash);
    const bool stays = hole <= next ? (hole < next_home && next_home <= next)
                                    : (hole < next_home || next_home <= next);
    if (!stays) {
      m_buckets[hole] = m_buckets[next];
      hole = next;
    }
  }
  m_buckets[hole] = Bucket{};
  --m_size;
  m_conn_ids[slot] = 0;
  record_at(slot) = Connection{};
  m_free_slots.push_back(slot);
}

ConnectionTable::Slot ConnectionTable::longest_idle() {
  if (m_size == 0) {
    return k_no_slot;
  }
  // Stale entries (records gone, or seen again since) are dropped as they surface; when
  // they outnumber the live ones the order is rebuilt, so it stays proportional to the table.
  if (!m_idle_order_kept || m_idle_order.size() > 2 * m_size + k_initial_buckets) {
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
  m_idle_order.reserve(m_size);
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

void ConnectionTable::grow() {
  std::vector<Bucket> old = std::move(m_buckets);
  m_buckets.assign(old.size() * 2, Bucket{});
  m_mask = m_buckets.size() - 1;
  for (const Bucket& bucket : old) {
    if (bucket.slot == k_no_slot) {
      continue;
    }
    std::size_t i = home(bucket.hash);
    while (m_buckets[i].slot != k_no_slot) {
      i = (i + 1) & m_mask;
    }
    m_buckets[i] = bucket;
  }
}

} // namespace tcpstate::conn
