#pragma once
// Which record of a RecordStore has been quiet longest, for --max-connections. Keeping a
// recency list up to date cost three scattered record writes per packet, for a question
// that is asked only once the table is full; so the order is built the first time it is
// asked for, and checked lazily against each record's last packet after that.
#include "record_store.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tcpstate::conn {

// `Record` has a `last_packet` member.
template <typename Record> class IdleOrder {
public:
  using Store = RecordStore<Record>;
  using Slot = typename Store::Slot;

  // A record was added in `slot`.
  void added(const Store& store, Slot slot) {
    if (m_kept) {
      push({store.at(slot).last_packet, store.conn_id_at(slot), slot});
    }
  }

  // The record whose last packet is the oldest, or k_no_slot when the store is empty.
  Slot longest_idle(const Store& store) {
    if (store.size() == 0) {
      return Store::k_no_slot;
    }
    // Stale entries (records gone, or seen again since) are dropped as they surface; when
    // they outnumber the live ones the order is rebuilt, so it stays proportional to the
    // store.
    if (!m_kept || m_entries.size() > 2 * store.size() + k_slack) {
      rebuild(store);
    }
    while (!m_entries.empty()) {
      const Entry oldest = m_entries.front();
      const bool live = store.conn_id_at(oldest.slot) == oldest.conn_id;
      const std::uint64_t last_packet = live ? store.at(oldest.slot).last_packet : 0;
      // Every live record has an entry no newer than its last packet, so an entry that is
      // current is the oldest of all.
      if (live && last_packet == oldest.last_packet) {
        return oldest.slot;
      }
      std::pop_heap(m_entries.begin(), m_entries.end(), newer);
      m_entries.pop_back();
      if (live) {
        push({last_packet, oldest.conn_id, oldest.slot});
      }
    }
    return Store::k_no_slot;
  }

private:
  // Stale entries are tolerated up to twice the live ones plus this.
  static constexpr std::size_t k_slack = 1024;

  struct Entry {
    std::uint64_t last_packet;
    std::uint64_t conn_id;
    Slot slot;
  };

  // For the std heap functions, which keep the largest in front: "newer" is "less".
  static bool newer(const Entry& a, const Entry& b) { return a.last_packet > b.last_packet; }

  void push(const Entry& entry) {
    m_entries.push_back(entry);
    std::push_heap(m_entries.begin(), m_entries.end(), newer);
  }

  void rebuild(const Store& store) {
    m_entries.clear();
    m_entries.reserve(store.size());
    store.for_each_slot([&](Slot slot) {
      m_entries.push_back({store.at(slot).last_packet, store.conn_id_at(slot), slot});
    });
    std::make_heap(m_entries.begin(), m_entries.end(), newer);
    m_kept = true;
  }

  // A min-heap by last packet, possibly stale: empty until longest_idle() is first called.
  std::vector<Entry> m_entries;
  bool m_kept = false;
};

} // namespace tcpstate::conn
