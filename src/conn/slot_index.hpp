#pragma once
// Hash lookup from a key to the number of the slot that holds its record, for tables whose
// records live apart in pages. Open addressing with linear probing over small
// {hash, slot} buckets: a probe reads 8 bytes per bucket and touches a record only when
// the stored hash matches. The caller compares keys, so one index serves any record type.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tcpstate::conn {

class SlotIndex {
public:
  using Slot = std::uint32_t;
  static constexpr Slot k_no_slot = 0xffffffffU;

  SlotIndex() : m_buckets(k_initial_buckets), m_mask(k_initial_buckets - 1) {}

  // The slot among those stored under `hash` for which `matches(slot)` holds.
  template <typename Matches> Slot find(std::uint64_t hash, Matches&& matches) const {
    const auto hash32 = static_cast<std::uint32_t>(hash);
    for (std::size_t i = home(hash32);; i = (i + 1) & m_mask) {
      const Bucket& bucket = m_buckets[i];
      if (bucket.slot == k_no_slot) {
        return k_no_slot;
      }
      if (bucket.hash == hash32 && matches(bucket.slot)) {
        return bucket.slot;
      }
    }
  }

  void insert(std::uint64_t hash, Slot slot);
  // `slot` must be stored under `hash`.
  void erase(std::uint64_t hash, Slot slot);

  std::size_t size() const { return m_size; }

  template <typename Visitor> void for_each_slot(Visitor&& visit) const {
    for (const Bucket& bucket : m_buckets) {
      if (bucket.slot != k_no_slot) {
        visit(bucket.slot);
      }
    }
  }

private:
  static constexpr std::size_t k_initial_buckets = 1024;

  struct Bucket {
    std::uint32_t hash = 0; // low bits pick the home bucket
    Slot slot = k_no_slot;
  };

  std::size_t home(std::uint32_t hash) const { return hash & m_mask; }
  void grow();

  std::vector<Bucket> m_buckets;
  std::size_t m_mask;
  std::size_t m_size = 0;
};

} // namespace tcpstate::conn
