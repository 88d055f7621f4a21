#pragma once
// A hash map for the per-server tables that every new connection looks up (the SYN flood
// detector's windows): with tens of thousands of servers a std::unordered_map lookup
// misses the cache at the bucket, at the node before the one wanted (its buckets point at
// their predecessor) and at the node itself. Here a lookup reads one slot of a small
// open-addressing array (linear probing, at most half full), which holds part of the hash
// so that a mismatch rarely touches an entry, and then the entry, stored by value in a
// dense vector in insertion order. Entries are never erased. The slot is taken from the
// high bits of the hash multiplied by a large odd constant (Fibonacci hashing): the
// endpoint hashes have weak low bits (an IPv4 server's low address bits and port vary
// little), which left as they were piled thousands of servers onto a few probe runs.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tcpstate {

template <typename Key, typename Value, typename Hash> class FlatMap {
public:
  struct Entry {
    Key key;
    Value value;
  };

  Value* find(const Key& key) { return const_cast<Value*>(std::as_const(*this).find(key)); }
  const Value* find(const Key& key) const {
    if (m_entries.empty()) {
      return nullptr;
    }
    const std::uint64_t hash = mixed(key);
    for (std::size_t slot = home_of(hash);; slot = (slot + 1) & mask()) {
      const Slot& probe = m_slots[slot];
      if (probe.index == k_empty) {
        return nullptr;
      }
      if (probe.tag == tag_of(hash) && m_entries[probe.index].key == key) {
        return &m_entries[probe.index].value;
      }
    }
  }

  // The value under `key`; throws std::out_of_range when there is none.
  const Value& at(const Key& key) const {
    const Value* found = find(key);
    if (found == nullptr) {
      throw std::out_of_range("FlatMap::at: no such key");
    }
    return *found;
  }

  // The value under `key`, added value-initialised when there is none.
  Value& operator[](const Key& key) {
    if (2 * (m_entries.size() + 1) > m_slots.size()) {
      grow();
    }
    const std::uint64_t hash = mixed(key);
    std::size_t slot = home_of(hash);
    for (;; slot = (slot + 1) & mask()) {
      const Slot& probe = m_slots[slot];
      if (probe.index == k_empty) {
        break;
      }
      if (probe.tag == tag_of(hash) && m_entries[probe.index].key == key) {
        return m_entries[probe.index].value;
      }
    }
    m_slots[slot] = {tag_of(hash), static_cast<std::uint32_t>(m_entries.size())};
    m_entries.push_back({key, Value{}});
    return m_entries.back().value;
  }

  std::size_t size() const { return m_entries.size(); }
  bool empty() const { return m_entries.empty(); }
  // In the order the keys were added.
  const std::vector<Entry>& entries() const { return m_entries; }
  auto begin() const { return m_entries.begin(); }
  auto end() const { return m_entries.end(); }

private:
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t index = k_empty;
  };
  static constexpr std::uint32_t k_empty = UINT32_MAX;
  static constexpr std::size_t k_first_slots = 64;

  static std::uint64_t mixed(const Key& key) {
    return static_cast<std::uint64_t>(Hash{}(key)) * 0x9E3779B97F4A7C15ULL;
  }
  std::size_t mask() const { return m_slots.size() - 1; }
  std::size_t home_of(std::uint64_t hash) const {
    return static_cast<std::size_t>(hash >> m_shift);
  }
  // The low half: the high bits already chose the slot.
  static std::uint32_t tag_of(std::uint64_t hash) { return static_cast<std::uint32_t>(hash); }

  void grow() {
    std::vector<Slot> slots(m_slots.empty() ? k_first_slots : 2 * m_slots.size());
    m_slots.swap(slots);
    m_shift = 64 - static_cast<unsigned>(std::countr_zero(m_slots.size()));
    for (std::uint32_t index = 0; index < m_entries.size(); ++index) {
      const std::uint64_t hash = mixed(m_entries[index].key);
      std::size_t slot = home_of(hash);
      while (m_slots[slot].index != k_empty) {
        slot = (slot + 1) & mask();
      }
      m_slots[slot] = {tag_of(hash), index};
    }
  }

  std::vector<Slot> m_slots; // a power of two of them
  unsigned m_shift = 64;     // 64 - log2 of their number
  std::vector<Entry> m_entries;
};

} // namespace tcpstate
