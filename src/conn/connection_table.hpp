#pragma once
// The connections being followed, keyed by the full four-tuple (a SlotIndex). The
// records themselves live apart, in fixed-size pages, so a slot number stays valid while the bucket
// array grows and adding records never moves the ones held (a growing vector of them briefly needed
// twice the memory, gigabytes under a SYN flood). Freed records are reused, so memory follows the
// connections open at once.
//
// The table also answers "which connection has been quiet longest" for --max-connections.
// Keeping a recency list up to date cost three scattered record writes per packet, for a
// question that is asked only once the table is full; so the order is built the first
// time it is asked for, and checked lazily against each record's last packet after that.
#include "connection.hpp"
#include "slot_index.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace tcpstate::conn {

class ConnectionTable {
public:
  using Slot = SlotIndex::Slot;
  static constexpr Slot k_no_slot = SlotIndex::k_no_slot;

  Slot find(const ConnectionKey& key, std::uint64_t hash) const {
    return m_index.find(hash, [&](Slot slot) { return record_at(slot).key == key; });
  }
  // The same record found by its key's hash and its conn_id.
  Slot find_by_conn_id(std::uint64_t hash, std::uint64_t conn_id) const {
    return m_index.find(hash, [&](Slot slot) { return m_conn_ids[slot] == conn_id; });
  }
  // A fresh record (default but for key and conn_id) for a key that must not be present.
  Slot insert(const ConnectionKey& key, std::uint64_t conn_id, std::uint64_t hash);
  void erase(Slot slot);

  // The connection whose last packet is the oldest, or k_no_slot when the table is empty.
  Slot longest_idle();
  // The conn_id of the record in `slot`, or 0 when the slot is free: a check on a slot
  // number that reads a small dense array instead of the record.
  std::uint64_t conn_id_at(Slot slot) const { return m_conn_ids[slot]; }

  Connection& at(Slot slot) { return record_at(slot); }
  const Connection& at(Slot slot) const { return record_at(slot); }
  std::size_t size() const { return m_index.size(); }

  // Visits every live record (in no particular order).
  template <typename Visitor> void for_each_slot(Visitor&& visit) const {
    m_index.for_each_slot(visit);
  }

private:
  struct IdleEntry {
    std::uint64_t last_packet;
    std::uint64_t conn_id;
    Slot slot;
  };

  // A page is one 2 MiB huge page of records: every packet touches a record picked at
  // random among tens of thousands, and with 4 KiB pages each touch also missed the TLB.
  static constexpr std::size_t k_page_bytes = std::size_t{2} << 20;
  static constexpr Slot k_page_size = static_cast<Slot>(k_page_bytes / sizeof(Connection));

  struct PageDeleter {
    void operator()(Connection* records) const;
  };
  using Page = std::unique_ptr<Connection[], PageDeleter>;
  static Page make_page();

  Connection& record_at(Slot slot) const { return m_pages[slot / k_page_size][slot % k_page_size]; }
  Slot new_slot();
  void rebuild_idle_order();

  SlotIndex m_index;
  std::vector<Page> m_pages;
  Slot m_slots_made = 0;
  std::vector<std::uint64_t> m_conn_ids; // by slot
  std::vector<Slot> m_free_slots;
  // A min-heap by last packet, possibly stale: empty until longest_idle() is first called.
  std::vector<IdleEntry> m_idle_order;
  bool m_idle_order_kept = false;
};

} // namespace tcpstate::conn
