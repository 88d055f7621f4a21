#include "connection_table.hpp"

#include <utility>

namespace tcpstate::conn {

namespace {
constexpr std::size_t k_initial_buckets = 1024;
} // namespace

ConnectionTable::ConnectionTable() : m_buckets(k_initial_buckets), m_mask(k_initial_buckets - 1) {}

ConnectionTable::Slot ConnectionTable::find(const ConnectionKey& key, std::uint64_t hash) const {
  const auto hash32 = static_cast<std::uint32_t>(hash);
  for (std::size_t i = home(hash32);; i = (i + 1) & m_mask) {
    const Bucket& bucket = m_buckets[i];
    if (bucket.slot == k_no_slot) {
      return k_no_slot;
    }
    if (bucket.hash == hash32 && m_records[bucket.slot].key == key) {
      return bucket.slot;
    }
  }
}

ConnectionTable::Slot ConnectionTable::insert(Connection&& connection, std::uint64_t hash) {
  // Keep the load at or below one half: probes stay short even with clustered hashes.
  if ((m_size + 1) * 2 > m_buckets.size()) {
    grow();
  }
  Slot slot;
  if (!m_free_slots.empty()) {
    slot = m_free_slots.back();
    m_free_slots.pop_back();
    m_records[slot] = std::move(connection);
  } else {
    slot = static_cast<Slot>(m_records.size());
    m_records.push_back(std::move(connection));
  }
  const auto hash32 = static_cast<std::uint32_t>(hash);
  std::size_t i = home(hash32);
  while (m_buckets[i].slot != k_no_slot) {
    i = (i + 1) & m_mask;
  }
  m_buckets[i] = {hash32, slot};
  ++m_size;
  link_at_back(slot);
  return slot;
}

void ConnectionTable::erase(Slot slot) {
  const auto hash32 = static_cast<std::uint32_t>(hash_key(m_records[slot].key));
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
  unlink(slot);
  m_records[slot] = Connection{};
  m_free_slots.push_back(slot);
}

void ConnectionTable::touch(Slot slot) {
  if (m_idle_tail != slot) {
    unlink(slot);
    link_at_back(slot);
  }
}

void ConnectionTable::unlink(Slot slot) {
  Connection& record = m_records[slot];
  if (record.idle_prev != k_no_slot) {
    m_records[record.idle_prev].idle_next = record.idle_next;
  } else {
    m_idle_head = record.idle_next;
  }
  if (record.idle_next != k_no_slot) {
    m_records[record.idle_next].idle_prev = record.idle_prev;
  } else {
    m_idle_tail = record.idle_prev;
  }
  record.idle_prev = k_no_slot;
  record.idle_next = k_no_slot;
}

void ConnectionTable::link_at_back(Slot slot) {
  Connection& record = m_records[slot];
  record.idle_prev = m_idle_tail;
  record.idle_next = k_no_slot;
  if (m_idle_tail != k_no_slot) {
    m_records[m_idle_tail].idle_next = slot;
  } else {
    m_idle_head = slot;
  }
  m_idle_tail = slot;
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
