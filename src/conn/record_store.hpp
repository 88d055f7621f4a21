#pragma once
// Records found by their connection's four-tuple: what the connection table and the embryo
// table have in common. Records live in fixed 2 MiB pages, so a slot number stays valid
// while the index grows and adding records never moves the ones held (a growing vector of
// them briefly needed twice the memory, gigabytes under a SYN flood). Freed slots are
// reused, so memory follows the records held at once. Each record's conn_id is mirrored
// in a dense array by slot: stale references (a queued timer check, an idle order) are
// checked against it without touching the record.
#include "slot_index.hpp"
#include "tcpstate/conn/connection_key.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace tcpstate::conn {

namespace record_pages {
// A page is one 2 MiB huge page: every packet touches a record picked at random among tens
// of thousands, and with 4 KiB pages each touch also missed the TLB.
inline constexpr std::size_t k_page_bytes = std::size_t{2} << 20;
// Raw page memory, with a transparent-huge-page hint; throws std::bad_alloc.
void* allocate();
void release(void* page);
} // namespace record_pages

// `Record` has a `key` member (a ConnectionKey).
template <typename Record> class RecordStore {
public:
  using Slot = SlotIndex::Slot;
  static constexpr Slot k_no_slot = SlotIndex::k_no_slot;

  Slot find(const ConnectionKey& key, std::uint64_t hash) const {
    return m_index.find(hash, [&](Slot slot) { return at(slot).key == key; });
  }
  // The same record found by its key's hash and its conn_id.
  Slot find_by_conn_id(std::uint64_t hash, std::uint64_t conn_id) const {
    return m_index.find(hash, [&](Slot slot) { return m_conn_ids[slot] == conn_id; });
  }

  // A slot for a new record, stored under `hash` with `conn_id`. The record in it is a
  // default one (fresh page) or whatever the caller left there when it was removed.
  Slot add(std::uint64_t hash, std::uint64_t conn_id) {
    Slot slot;
    if (!m_free_slots.empty()) {
      slot = m_free_slots.back();
      m_free_slots.pop_back();
    } else {
      slot = m_slots_made++;
      if (slot % k_page_size == 0) {
        m_pages.push_back(make_page());
        m_conn_ids.resize(m_conn_ids.size() + k_page_size, 0);
      }
    }
    m_conn_ids[slot] = conn_id;
    m_index.insert(hash, slot);
    return slot;
  }
  // Frees `slot`, stored under `hash`; its record stays as it is until the slot is reused.
  void remove(std::uint64_t hash, Slot slot) {
    m_index.erase(hash, slot);
    m_conn_ids[slot] = 0;
    m_free_slots.push_back(slot);
  }

  // The next add() takes a new page.
  bool full() const { return m_free_slots.empty() && m_slots_made % k_page_size == 0; }

  Record& at(Slot slot) const { return m_pages[slot / k_page_size][slot % k_page_size]; }
  // The conn_id of the record in `slot`, or 0 when the slot is free.
  std::uint64_t conn_id_at(Slot slot) const { return m_conn_ids[slot]; }
  std::size_t size() const { return m_index.size(); }

  // Visits every live record's slot (in no particular order).
  template <typename Visitor> void for_each_slot(Visitor&& visit) const {
    m_index.for_each_slot(visit);
  }
  // Visits every live record's slot in slot order, so the records are read page by page
  // rather than at random. `visit` may remove the record it is given, but add none.
  template <typename Visitor> void for_each_slot_in_place(Visitor&& visit) const {
    for (Slot slot = 0; slot < m_slots_made; ++slot) {
      if (m_conn_ids[slot] != 0) {
        visit(slot);
      }
    }
  }

private:
  static constexpr Slot k_page_size =
      static_cast<Slot>(record_pages::k_page_bytes / sizeof(Record));

  struct PageDeleter {
    void operator()(Record* records) const {
      std::destroy_n(records, k_page_size);
      record_pages::release(records);
    }
  };
  using Page = std::unique_ptr<Record[], PageDeleter>;

  static Page make_page() {
    auto* records = static_cast<Record*>(record_pages::allocate());
    std::uninitialized_value_construct_n(records, k_page_size);
    return Page(records);
  }

  SlotIndex m_index;
  std::vector<Page> m_pages;
  Slot m_slots_made = 0;
  std::vector<std::uint64_t> m_conn_ids; // by slot
  std::vector<Slot> m_free_slots;
};

} // namespace tcpstate::conn
