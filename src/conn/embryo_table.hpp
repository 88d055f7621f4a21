#pragma once
// Embryonic connections: four-tuples seen as nothing but one SYN, kept as that SYN until
// anything else needs them. Under a SYN flood or a port scan nearly every connection is
// one, and a full record (two endpoint machines, Zeek's view, evidence) is five times the
// size of the segment it is built from. A connection's record after its first SYN depends
// on that segment alone, so the reconstructor builds ("hatches") the full record from the
// kept SYN the moment it is needed: the tuple's second packet, a timer, an eviction, the
// end of the capture. The output is the same either way.
#include "connection_key.hpp"
#include "slot_index.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace tcpstate::conn {

struct Embryo {
  ConnectionKey key;
  Direction direction = Direction::from_low; // of the SYN, so the client's
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint32_t payload_length = 0;
  std::uint32_t ip_length = 0;
  decode::TcpOptions options;
  TimeNs time = 0;
  std::uint64_t packet_number = 0;
  std::uint64_t conn_id = 0;

  static Embryo of(const KeyedSegment& keyed, const decode::TcpSegment& syn, TimeNs time,
                   std::uint64_t packet_number, std::uint64_t conn_id);
  // The SYN as it was decoded.
  decode::TcpSegment segment() const;
};

class EmbryoTable {
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
  // `embryo.key` must not be present.
  Slot insert(const Embryo& embryo, std::uint64_t hash);
  void erase(Slot slot);
  void clear() { *this = EmbryoTable{}; }

  const Embryo& at(Slot slot) const { return record_at(slot); }
  // The conn_id of the embryo in `slot`, or 0 when the slot is free.
  std::uint64_t conn_id_at(Slot slot) const { return m_conn_ids[slot]; }
  std::size_t size() const { return m_index.size(); }
  bool empty() const { return size() == 0; }

  // The embryo whose SYN came first, or k_no_slot when there is none.
  Slot oldest();

  template <typename Visitor> void for_each_slot(Visitor&& visit) const {
    m_index.for_each_slot(visit);
  }

private:
  // Pages, not one growing vector: growing would copy every embryo and briefly need twice
  // the memory, at the moment a flood is largest.
  static constexpr Slot k_page_size = 8192;

  struct AgeEntry {
    std::uint64_t packet_number;
    std::uint64_t conn_id;
    Slot slot;
  };

  Embryo& record_at(Slot slot) const { return m_pages[slot / k_page_size][slot % k_page_size]; }
  void rebuild_age_order();

  SlotIndex m_index;
  std::vector<std::unique_ptr<Embryo[]>> m_pages;
  Slot m_slots_made = 0;
  std::vector<std::uint64_t> m_conn_ids; // by slot
  std::vector<Slot> m_free_slots;
  // Embryos never change, so once built (on the first call to oldest(), when the table is
  // full) their order by first packet only grows at the back, as new SYNs come. Entries of
  // embryos since gone are skipped at the front, and the order is rebuilt when they pile up.
  std::vector<AgeEntry> m_age_order;
  std::size_t m_age_front = 0;
  bool m_age_order_kept = false;
};

} // namespace tcpstate::conn
