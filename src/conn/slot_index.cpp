#include "slot_index.hpp"

#include <utility>

namespace tcpstate::conn {

void SlotIndex::insert(std::uint64_t hash, Slot slot) {
  // Keep the load at or below one half: probes stay short even with clustered hashes.
  if ((m_size + 1) * 2 > m_buckets.size()) {
    grow();
  }
  const auto hash32 = static_cast<std::uint32_t>(hash);
  std::size_t i = home(hash32);
  while (m_buckets[i].slot != k_no_slot) {
    i = (i + 1) & m_mask;
  }
  m_buckets[i] = {hash32, slot};
  ++m_size;
}

void SlotIndex::erase(std::uint64_t hash, Slot slot) {
  std::size_t hole = home(static_cast<std::uint32_t>(hash));
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
}

void SlotIndex::grow() {
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
