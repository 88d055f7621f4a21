#include "embryo_table.hpp"

#include <algorithm>

namespace tcpstate::conn {

namespace {
// Entries of embryos since gone are tolerated up to the live ones plus this.
constexpr std::size_t k_age_order_slack = 1024;

// An option added to decode::TcpOptions must be kept by SynOptions below (or be one that no
// rule reads, as the timestamp values are): this fails to compile until it is looked at. It
// is the size on the 64-bit targets tcpstate builds for.
static_assert(sizeof(decode::TcpOptions) == 20);
} // namespace

SynOptions SynOptions::of(const decode::TcpOptions& options) {
  SynOptions packed;
  packed.mss = options.mss;
  packed.window_scale = options.window_scale;
  packed.sack_blocks = options.sack_blocks;
  packed.sack_permitted = options.sack_permitted;
  packed.has_timestamp = options.has_timestamp;
  packed.has_tfo = options.has_tfo;
  packed.malformed = options.malformed;
  return packed;
}

decode::TcpOptions SynOptions::decoded() const {
  decode::TcpOptions options;
  options.mss = mss;
  options.window_scale = window_scale;
  options.sack_blocks = sack_blocks;
  options.sack_permitted = sack_permitted;
  options.has_timestamp = has_timestamp;
  options.has_tfo = has_tfo;
  options.malformed = malformed;
  return options;
}

bool Embryo::fits(const decode::TcpSegment& syn) {
  return syn.payload_length <= UINT16_MAX && syn.ip_length <= UINT16_MAX;
}

Embryo Embryo::of(const KeyedSegment& keyed, const decode::TcpSegment& syn, TimeNs time,
                  std::uint64_t packet_number) {
  Embryo embryo;
  embryo.key = keyed.key;
  embryo.direction = keyed.direction;
  embryo.flags = syn.flags;
  embryo.window = syn.window;
  embryo.payload_length = static_cast<std::uint16_t>(syn.payload_length);
  embryo.ip_length = static_cast<std::uint16_t>(syn.ip_length);
  embryo.options = SynOptions::of(syn.options);
  embryo.seq = syn.seq;
  embryo.ack = syn.ack;
  embryo.time = time;
  embryo.packet_number = packet_number;
  return embryo;
}

decode::TcpSegment Embryo::segment() const {
  decode::TcpSegment syn;
  if (direction == Direction::from_low) {
    syn.src = key.low_address;
    syn.dst = key.high_address;
    syn.src_port = key.low_port;
    syn.dst_port = key.high_port;
  } else {
    syn.src = key.high_address;
    syn.dst = key.low_address;
    syn.src_port = key.high_port;
    syn.dst_port = key.low_port;
  }
  syn.seq = seq;
  syn.ack = ack;
  syn.flags = flags;
  syn.window = window;
  syn.payload_length = payload_length;
  syn.ip_length = ip_length;
  syn.options = options.decoded();
  return syn;
}

bool Embryo::is_copy(const KeyedSegment& keyed, const decode::TcpSegment& segment) const {
  return keyed.direction == direction && segment.flags == flags && segment.seq == seq &&
         segment.ack == ack && segment.window == window &&
         segment.payload_length == payload_length && segment.ip_length == ip_length &&
         SynOptions::of(segment.options) == options;
}

EmbryoTable::Slot EmbryoTable::insert(const Embryo& embryo, std::uint64_t conn_id,
                                      std::uint64_t hash) {
  const Slot slot = add(hash, conn_id);
  Store::at(slot) = embryo;
  if (m_age_order_kept) {
    m_age_order.push_back({embryo.packet_number, conn_id, slot});
  }
  return slot;
}

bool EmbryoTable::add_copy(Slot slot, TimeNs time, std::uint64_t packet_number) {
  Embryo& embryo = Store::at(slot);
  // A copy from before the last one (the capture's clock stepped back) would move the
  // record's timers before the check queued for the embryo: it hatches instead.
  const TimeNs last_time = embryo.copies == 0 ? embryo.time : embryo.copy_time(embryo.copies - 1U);
  if (embryo.copies == Embryo::k_max_copies || time < last_time ||
      time - embryo.time > UINT32_MAX || packet_number < embryo.packet_number ||
      packet_number - embryo.packet_number > UINT32_MAX) {
    return false;
  }
  embryo.copy_time_offsets[embryo.copies] = static_cast<std::uint32_t>(time - embryo.time);
  embryo.copy_packet_offsets[embryo.copies] =
      static_cast<std::uint32_t>(packet_number - embryo.packet_number);
  ++embryo.copies;
  if (m_age_order_kept) {
    m_age_order.push_back({packet_number, conn_id_at(slot), slot});
  }
  return true;
}

void EmbryoTable::erase(Slot slot) {
  remove(hash_key(at(slot).key), slot);
}

EmbryoTable::Slot EmbryoTable::oldest() {
  if (empty()) {
    return k_no_slot;
  }
  if (!m_age_order_kept || m_age_order.size() - m_age_front > size() + k_age_order_slack) {
    rebuild_age_order();
  }
  // Packet numbers only grow, so an order appended to in capture order stays sorted.
  while (m_age_front < m_age_order.size()) {
    const AgeEntry& entry = m_age_order[m_age_front];
    if (conn_id_at(entry.slot) == entry.conn_id &&
        at(entry.slot).last_packet_number() == entry.packet_number) {
      return entry.slot;
    }
    ++m_age_front;
  }
  return k_no_slot;
}

void EmbryoTable::rebuild_age_order() {
  m_age_order.clear();
  m_age_front = 0;
  m_age_order.reserve(size());
  for_each_slot([this](Slot slot) {
    m_age_order.push_back({at(slot).last_packet_number(), conn_id_at(slot), slot});
  });
  std::sort(m_age_order.begin(), m_age_order.end(),
            [](const AgeEntry& a, const AgeEntry& b) { return a.packet_number < b.packet_number; });
  m_age_order_kept = true;
}

} // namespace tcpstate::conn
