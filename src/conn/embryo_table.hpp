#pragma once
// Embryonic connections: four-tuples seen as nothing but one SYN, kept as that SYN until
// anything else needs them. Under a SYN flood or a port scan nearly every connection is
// one, and a full record (two endpoint machines, Zeek's view, evidence) is five times the
// size of the segment it is built from. A connection's record after its first SYN depends
// on that segment alone, so the reconstructor builds ("hatches") the full record from the
// kept SYN the moment it is needed: the tuple's second packet, a timer, an eviction, the
// end of the capture. The output is the same either way. Retransmitted copies of the SYN
// (a SYN that nothing answers is sent again and again) keep it an embryo: the copies' times
// are kept, and the hatched record is built from the SYN and its copies.
#include "record_store.hpp"
#include "tcpstate/conn/connection_key.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tcpstate::conn {

// The SYN's options as is_copy() compares them: all but the timestamp values, which no rule
// reads.
struct SynOptions {
  std::uint16_t mss = 0;
  std::uint8_t window_scale = 0xff;
  std::uint8_t sack_blocks = 0;
  bool sack_permitted = false;
  bool has_timestamp = false;
  bool has_tfo = false;
  bool malformed = false;

  static SynOptions of(const decode::TcpOptions& options);
  decode::TcpOptions decoded() const;
  friend bool operator==(const SynOptions&, const SynOptions&) = default;
};

// No conn_id: the table keeps every slot's already (EmbryoTable::conn_id_at).
struct Embryo {
  ConnectionKey key;
  Direction direction = Direction::from_low; // of the SYN, so the client's
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint16_t payload_length = 0; // a SYN whose lengths do not fit is no embryo (fits())
  std::uint16_t ip_length = 0;
  SynOptions options;
  std::uint8_t copies = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  // Retransmitted copies, in capture order: when each came and its packet number, both as
  // offsets from the first SYN's. Linux's first two retries (1 s and 3 s after the SYN) fit
  // in the 4.29 s of a time offset; a later one hatches the record.
  static constexpr std::size_t k_max_copies = 2;
  std::array<std::uint32_t, k_max_copies> copy_time_offsets{}; // nanoseconds
  std::array<std::uint32_t, k_max_copies> copy_packet_offsets{};
  TimeNs time = 0;
  std::uint64_t packet_number = 0;

  // Whether `syn` fits an embryo's narrower fields.
  static bool fits(const decode::TcpSegment& syn);
  // `syn` must fit.
  static Embryo of(const KeyedSegment& keyed, const decode::TcpSegment& syn, TimeNs time,
                   std::uint64_t packet_number);
  // The SYN as it was decoded (its timestamp values aside).
  decode::TcpSegment segment() const;
  // A segment that repeats the SYN exactly, from the same side (the timestamp option
  // aside, which no rule reads).
  bool is_copy(const KeyedSegment& keyed, const decode::TcpSegment& segment) const;
  TimeNs copy_time(std::size_t copy) const { return time + copy_time_offsets[copy]; }
  std::uint64_t copy_packet_number(std::size_t copy) const {
    return packet_number + copy_packet_offsets[copy];
  }
  // The packet number of the SYN's last copy: when the connection was last heard from.
  std::uint64_t last_packet_number() const {
    return copies == 0 ? packet_number : copy_packet_number(copies - 1U);
  }
};

// Under a SYN flood nearly a million embryos are held at once, and their memory is this size
// times their number: the fields are narrowed and ordered for it.
static_assert(sizeof(Embryo) <= 96, "an embryo's size is a SYN flood's memory");

class EmbryoTable : private RecordStore<Embryo> {
  using Store = RecordStore<Embryo>;

public:
  using Store::k_no_slot;
  using Store::Slot;

  using Store::conn_id_at; // 0 when the slot is free
  using Store::find;
  using Store::find_by_conn_id;
  using Store::for_each_slot;
  using Store::size;

  // `embryo.key` must not be present.
  Slot insert(const Embryo& embryo, std::uint64_t conn_id, std::uint64_t hash);
  // Records a retransmitted copy of the SYN; false, changing nothing, when the embryo has
  // no room for another (or the time or packet number is too far on to keep).
  bool add_copy(Slot slot, TimeNs time, std::uint64_t packet_number);
  void erase(Slot slot);
  void clear() { *this = EmbryoTable{}; }

  const Embryo& at(Slot slot) const { return Store::at(slot); }
  bool empty() const { return size() == 0; }

  // The embryo last heard from longest ago, or k_no_slot when there is none.
  Slot oldest();

private:
  struct AgeEntry {
    std::uint64_t packet_number;
    std::uint64_t conn_id;
    Slot slot;
  };

  void rebuild_age_order();

  // Embryos change only by a copy of their SYN, which moves them to the back, so once built
  // (on the first call to oldest(), when the table is full) their order by last packet only
  // grows at the back, as SYNs come. Entries of embryos since gone or moved are skipped at
  // the front, and the order is rebuilt when they pile up.
  std::vector<AgeEntry> m_age_order;
  std::size_t m_age_front = 0;
  bool m_age_order_kept = false;
};

} // namespace tcpstate::conn
