#pragma once
// Zeek's view of one connection: the conn_state, history and missed_bytes columns of
// Zeek's conn.log, kept next to tcpstate's own per-endpoint states for users who read both.
// The rules are described at the top of zeek_conn.cpp. The record lives in every open
// connection, so it is kept small (sizeof is checked in zeek_conn.cpp): what only loss, bad
// checksums and a four-tuple Zeek would log as several rows need lives on the heap,
// allocated when the first one shows.
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/conn/zeek_row.hpp"
#include "tcpstate/conn/zeek_server_ports.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/deep_copied.hpp"
#include "tcpstate/util/time.hpp"
#include "zeek_pending_data.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace tcpstate::conn {

// Zeek's endpoint states (TCP_ENDPOINT_*).
enum class ZeekState : std::uint8_t {
  inactive,
  syn_sent,
  syn_ack_sent,
  partial,
  established,
  closed,
  reset
};

struct ZeekEndpoint {
  std::uint32_t start_seq = 0;    // Zeek's base for relative sequence numbers (ISN or guess)
  std::uint32_t last_seq = 0;     // one past the highest sequence number sent
  std::uint32_t ack_seq = 0;      // highest acknowledgment the peer sent for this side
  std::uint32_t last_syn = 0;     // relative sequence number of the last SYN (repeat rule)
  std::uint32_t last_fin = 0;     // ... of the last FIN's end
  std::uint32_t last_rst = 0;     // ... of the last RST
  std::uint32_t delivered = 1;    // Zeek's reassembly edge: relative, one past contiguous data
  std::uint16_t retransmits = 0;  // saturating: letters at 1, 10, 100, 1000, 10000
  std::uint16_t zero_windows = 0; // saturating, likewise
  ZeekState state = ZeekState::inactive;
  ZeekState prev_state = ZeekState::inactive;
  bool sent_fin = false;
};

class ZeekConn {
public:
  static constexpr std::size_t k_history_capacity = 22;

  // Every captured segment of the connection, in capture order, captured at `now`;
  // `previous` is when the connection's packet before it was. `sender` is tcpstate's side
  // (fixed for the connection's life), not Zeek's orientation. A segment Zeek would have
  // given a new conn.log row ends the current row and starts the next. `server_ports`
  // decide the orientation of each row at its first packet.
  void observe(Side sender, const decode::TcpSegment& segment, TimeNs now, TimeNs previous,
               const ZeekServerPorts& server_ports);
  // A segment of this connection that failed its checksum: Zeek records it ('C') and
  // drops it, so nothing else changes.
  void observe_bad_checksum(Side sender);

  std::string_view history() const { return {m_history.data(), m_history_length}; }
  std::string_view conn_state() const;
  // Which of tcpstate's sides Zeek calls the originator (id.orig_h).
  Side originator() const { return m_orig; }
  // Zeek's payload byte counts, from sequence numbers (orig_bytes, resp_bytes).
  std::uint64_t bytes(Side side) const;
  bool flipped() const { return m_flipped; }
  // Zeek's missed_bytes: payload acknowledged but never captured (content gaps).
  std::uint64_t missed_bytes() const { return m_rare ? m_rare->loss.missed_bytes : 0; }

  const ZeekEndpoint& endpoint(Side side) const {
    return m_endpoints[static_cast<std::size_t>(side)];
  }

  // The rows Zeek ended before the current one, in order: empty for nearly every
  // connection. Only the whole connection's start and what each side sent (`totals`, by
  // Side) tell the first row's start and packet counts, so these complete it.
  std::span<const ZeekRow> complete_earlier_rows(TimeNs first_seen,
                                                 const std::array<ZeekTally, 2>& totals);
  // When the current row began: the connection's `first_seen` while it is the only one.
  TimeNs row_start(TimeNs first_seen) const;

  // Lists the fields for a compact encoding (field_codec.hpp). `isn` and `next_seq` are
  // each side's as tcpstate saw them: near where Zeek's numbers start and end.
  template <typename Codec>
  void transfer_fields(Codec& codec, const std::array<std::uint32_t, 2>& isn,
                       const std::array<std::uint32_t, 2>& next_seq) {
    for (std::size_t side = 0; side < m_endpoints.size(); ++side) {
      ZeekEndpoint& endpoint = m_endpoints[side];
      codec.seq(endpoint.start_seq, isn[side]);
      codec.seq(endpoint.last_seq, next_seq[side]);
      codec.seq(endpoint.ack_seq, endpoint.last_seq);
      // Relative numbers, mostly at or near the relative end.
      const std::uint32_t relative_end = endpoint.last_seq - endpoint.start_seq;
      codec.number(endpoint.last_syn);
      codec.seq(endpoint.last_fin, relative_end);
      codec.number(endpoint.last_rst);
      codec.seq(endpoint.delivered, relative_end);
      codec.number(endpoint.retransmits);
      codec.number(endpoint.zero_windows);
      codec.plain(endpoint.state);
      codec.plain(endpoint.prev_state);
      codec.plain(endpoint.sent_fin);
    }
    codec.optional(m_rare, [&](Rare& rare) {
      Loss& loss = rare.loss;
      codec.number(loss.missed_bytes);
      for (std::size_t side = 0; side < m_endpoints.size(); ++side) {
        loss.pending[side].transfer_fields(codec);
        codec.number(loss.gaps[side]);
        codec.number(loss.bad_checksums[side]);
        codec.plain(loss.gave_up[side]);
      }
      Rows& rows = rare.rows;
      codec.sequence(rows.earlier, [&](ZeekRow& row) { codec.plain(row); });
      codec.time(rows.current_start);
      for (ZeekTally& tally : rows.current_sent) {
        codec.number(tally.packets);
        codec.number(tally.ip_bytes);
      }
    });
    codec.time(m_timer_start);
    codec.plain(m_timer);
    codec.number(m_seen);
    // Letters past the length are never written, so they stay zero.
    codec.number(m_history_length);
    codec.raw(m_history.data(), m_history_length);
    codec.plain(m_orig);
    codec.plain(m_started);
    codec.plain(m_flipped);
    codec.plain(m_partial);
    codec.plain(m_first_seen);
  }

private:
  // What only content gaps and bad checksums need, indexed by tcpstate's Side.
  struct Loss {
    std::uint64_t missed_bytes = 0;
    std::array<ZeekPendingData, 2> pending;
    std::array<std::uint16_t, 2> gaps{};          // saturating, like the 'T' counter
    std::array<std::uint16_t, 2> bad_checksums{}; // likewise
    std::array<bool, 2> gave_up{};                // Zeek's skip_deliveries
  };
  // Once Zeek would have split the connection: the rows it ended, and the current row's
  // start and what each side sent in it (by Side).
  struct Rows {
    std::vector<ZeekRow> earlier;
    TimeNs current_start = 0;
    std::array<ZeekTally, 2> current_sent{};
  };
  struct Rare {
    Loss loss;
    Rows rows;
  };
  // The pending Zeek timer that removes the connection (besides inactivity).
  enum class Timer : std::uint8_t { none, attempt, close };

  bool is_orig(Side side) const { return side == m_orig; }
  bool removed_by_timer(TimeNs now, TimeNs previous) const;
  bool reused_by(const decode::TcpSegment& segment) const;
  void start_new_row(TimeNs now, TimeNs previous);
  void arm_timers(Side sender, bool attempt, bool was_closed, TimeNs now);
  bool observe_in_order(Side sender, const decode::TcpSegment& segment);
  Rare& rare();
  Loss& loss() { return rare().loss; }
  void update_partial(Side sender, bool syn, bool ack);
  void ack_received(Side data_sender, std::uint32_t rel_ack);
  void data_sent(Side sender, std::uint32_t rel_begin, std::uint32_t length);
  void add_letter(Side sender, char upper);
  bool seen_before(Side sender, std::uint16_t bit, char upper); // Zeek's CheckHistory
  void scaled_letter(Side sender, char upper, std::uint16_t& counter);
  void flip();
  void flip_history(); // a late swap that re-cases the letters so far
  void update_history(Side sender, const decode::TcpSegment& segment, std::uint32_t rel_seq);
  void update_last_seq(Side sender, std::uint32_t end, const decode::TcpSegment& segment);
  void update_state(Side sender, const decode::TcpSegment& segment);
  void set_state(Side side, ZeekState state);
  bool rstos0_history() const;

  std::array<ZeekEndpoint, 2> m_endpoints; // indexed by tcpstate's Side
  // Null until the first gap, hole, bad checksum or second row.
  DeepCopied<Rare> m_rare;
  TimeNs m_timer_start = 0; // when m_timer was set
  std::uint16_t m_seen = 0; // CheckHistory bits: originator's in the low byte
  std::array<char, k_history_capacity> m_history{};
  std::uint8_t m_history_length = 0;
  Side m_orig = Side::client;
  bool m_started = false;
  bool m_flipped = false;
  // Zeek's is_partial and first_packet_seen (bits by Side), which decide whether an
  // acknowledgment of the first octet or two can reveal a gap.
  bool m_partial = false;
  std::uint8_t m_first_seen = 0;
  Timer m_timer = Timer::none;
};

} // namespace tcpstate::conn
