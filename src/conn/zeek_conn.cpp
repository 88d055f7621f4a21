// Zeek-compatible conn_state and history, computed beside tcpstate's own analysis.
//
// The rules, as Zeek documents them (base/protocols/conn/main.zeek) and as its TCP
// analyzer applies them, restated here in our words:
//
// Orientation. The first packet's sender is the originator, except when that packet is
// not a bare SYN (no SYN, or SYN+ACK) and its source port is a "likely server port"
// (Zeek's likely_server_ports, filled by the protocol scripts: zeek_server_ports.hpp):
// then the roles are swapped, unless the destination port is a likely server port too, in
// which case they are swapped only for a non-SYN packet whose source port is the lower.
// Later, a bare SYN from the responder answering an originator that sent only a SYN-ACK,
// with the sequence number that SYN-ACK acknowledged, swaps the roles as well (the SYN and
// SYN-ACK were captured in reverse order). Every swap appends '^' to the history.
//
// History letters: upper case when the originator sent the packet, lower case for the
// responder (the case is decided when the letter is added, so letters before a late swap
// keep theirs). A packet with more than one of SYN, FIN, RST gives 'I' (FIN+RST) or 'Q'
// (SYN with FIN or RST), once per direction. A packet with exactly one of them gives 'S'
// (SYN), 'H' (SYN+ACK), 'F' or 'R': the first one always, and again each time its
// sequence number (for FIN: the end of its data) differs from the previous packet of that
// kind from that direction, so plain retransmissions do not repeat the letter. A packet
// with none of them gives 'D' when it carries payload, else 'A' when it has ACK, once per
// direction. 'T' (payload that does not advance the sender's highest sequence number),
// 'W' (a zero window, unless it comes with or after the sender's RST or after the peer
// closed), 'G' (a content gap, below) and 'C' (a segment that failed its checksum, which
// is then ignored; only with --verify-checksums, the counterpart of Zeek without -C) are
// logarithmic: added at the 1st, 10th, 100th, ... occurrence per direction.
//
// Endpoint states (Zeek's, not RFC 9293's): INACTIVE until the endpoint sends; a SYN
// makes the originator SYN_SENT (SYN_ACK_SENT with ACK); the responder's SYN or SYN+ACK
// makes it ESTABLISHED, and the originator too when it was SYN_SENT. A packet without SYN
// from an inactive endpoint makes it PARTIAL, except a pure ACK answering an established
// peer (ESTABLISHED) and a responder's empty segment while the originator is in SYN_SENT
// (stays INACTIVE). FIN makes an endpoint CLOSED from any state but RESET (and a FIN after
// the peer's FIN-then-RST turns the peer back to CLOSED); RST makes it RESET, except from
// CLOSED when the peer is CLOSED too.
//
// conn_state at the end, from the two states (o = originator, r = responder; "inactive"
// means INACTIVE or PARTIAL):
//   r RESET: REJ if o is SYN_SENT/SYN_ACK_SENT or (o RESET and both sent no bytes),
//            RSTRH if o inactive, else RSTR;
//   o RESET: RSTO if r is active, else RSTOS0 when the history matches ^?S[^HAFGIQ]*R,
//            else OTH;
//   both CLOSED: SF;  o CLOSED: SH if r inactive else S2;  r CLOSED: SHR if o inactive
//   else S3;  o SYN_SENT and r INACTIVE: S0;  both ESTABLISHED: S1;  anything else: OTH.
//
// Byte counts (orig_bytes, resp_bytes) come from sequence numbers as in Zeek: from the
// first sequence number to the higher of the highest sent and the highest acknowledged,
// without the SYN and FIN.
//
// Content gaps (missed_bytes and 'G'). A default Zeek reassembles both directions of
// every TCP connection from its first packet, and a gap is payload an acknowledgment
// passed that was never captured: when an ACK (after the state update for its packet)
// reaches above what the peer's captured data made contiguous, each hole below it is one
// gap, ending at the ACK, or at the FIN when the ACK covers the sender's FIN. A gap counts
// towards missed_bytes and 'G' only while both endpoints are ESTABLISHED or CLOSED from
// ESTABLISHED, so an ACK in a RST, anything after a RST, and partial or half-seen
// connections add nothing, though the holes are passed over all the same. Data captured
// after its hole was passed over is ignored. Nothing is counted at the end of the capture:
// data never acknowledged is no gap. As in Zeek, an acknowledgment of only the first octet
// or two of a partial connection is ignored (a keep-alive), and a direction that piled up
// more than 16384 bytes above a hole before any of its data was acknowledged is given up.
//
// Rows. Zeek removes a connection, and logs its row, when one of its timers expires; the
// next packet of the four-tuple, whatever it is, then begins a new connection and row:
//   inactivity: 5 minutes without a packet (tcp_inactivity_timeout);
//   an attempt: 5 s after the originator's SYN that began the connection, if the
//     originator has still sent only SYNs as far as its state goes (SYN_SENT or
//     SYN_ACK_SENT) and the responder nothing (INACTIVE) (tcp_attempt_delay);
//   a close: 5 s after the packet that completed the close, i.e. that closed (FIN) or reset
//     an endpoint when it reset, or when the peer had already closed or reset or never sent
//     anything (tcp_close_delay, also the delay after a RST); a later such packet from the
//     other endpoint restarts the 5 s.
// A SYN also ends the current connection and begins a new one (connection reuse) once
// either endpoint has closed or reset, and before that when it starts a different
// connection: a bare SYN whose sequence number is not the originator's first, or a SYN-ACK
// on a connection whose originator has sent nothing, with a sequence number other than the
// responder's first (except the SYN of a handshake whose SYN-ACK was captured first).
// Each row has its own orientation, history and counters. tcpstate's incarnations still
// decide its own rows: one may hold several Zeek rows, and where tcpstate begins a new
// incarnation a new Zeek row begins too.
//
// Not modelled: Zeek's timers that end a connection after a one-sided close (3 s after a
// FIN from an endpoint that sent nothing before, or 5 s of silence checked every 6 s after a
// FIN whose peer then reset without closing); a bad-checksum segment that would have begun a
// connection (tcpstate opens none for it, Zeek logs one with history 'C'); payload cut short by the
// snapshot length (Zeek does not reassemble it, so acknowledging it is a gap; tcpstate
// counts it as captured); Zeek giving up on a direction holding over 10 MiB of
// unacknowledged data; streams past 4 GiB (relative sequence numbers are 32 bits here).
#include "zeek_conn.hpp"

#include "tcpstate/util/sequence.hpp"

#include <algorithm>
#include <cctype>

namespace tcpstate::conn {
namespace {

namespace flag = decode::tcp_flag;

static_assert(sizeof(ZeekConn) <= 120, "ZeekConn lives in every open connection: keep it small");

// Bits of ZeekConn::m_seen, per direction (the responder's are shifted by 8).
constexpr std::uint16_t k_seen_syn = 0x01;
constexpr std::uint16_t k_seen_fin = 0x02;
constexpr std::uint16_t k_seen_rst = 0x04;
constexpr std::uint16_t k_seen_fin_rst = 0x08;
constexpr std::uint16_t k_seen_data = 0x10;
constexpr std::uint16_t k_seen_ack = 0x20;
constexpr std::uint16_t k_seen_multi = 0x40;

// Zeek ignores SYN and RST sequence numbers this far from what it expects.
constexpr std::int32_t k_too_large_seq_delta = 1048576;

// Zeek's tcp_max_above_hole_without_any_acks.
constexpr std::uint32_t k_max_above_hole_without_acks = 16384;

// Zeek's default timeouts (tcp_inactivity_timeout, tcp_attempt_delay, tcp_close_delay).
constexpr TimeNs k_inactivity_timeout = 300 * k_ns_per_second;
constexpr TimeNs k_attempt_delay = 5 * k_ns_per_second;
constexpr TimeNs k_close_delay = 5 * k_ns_per_second;

// Zeek's did_close: the endpoint closed or reset, which it never leaves.
bool closed_or_reset(ZeekState state) {
  return state == ZeekState::closed || state == ZeekState::reset;
}

bool inactive(ZeekState state) {
  return state == ZeekState::inactive || state == ZeekState::partial;
}

// Zeek trusts a content gap only between endpoints in these states.
bool clean(const ZeekEndpoint& endpoint) {
  return endpoint.state == ZeekState::established ||
         (endpoint.state == ZeekState::closed && endpoint.prev_state == ZeekState::established);
}

std::uint8_t side_bit(Side side) {
  return static_cast<std::uint8_t>(1U << static_cast<unsigned>(side));
}

std::uint32_t segment_length(const decode::TcpSegment& segment) {
  std::uint32_t length = segment.payload_length;
  if (segment.has(flag::syn)) {
    ++length;
  }
  if (segment.has(flag::fin)) {
    ++length;
  }
  if (segment.has(flag::rst)) {
    length -= segment.payload_length; // a RST's data is not part of the stream
  }
  return length;
}

bool is_power_of_ten(std::uint32_t value) {
  for (std::uint32_t p = 1; p <= value; p *= 10) {
    if (p == value) {
      return true;
    }
    if (p > 0xffffffffU / 10) {
      break;
    }
  }
  return false;
}

} // namespace

void ZeekConn::add_letter(Side sender, char upper) {
  if (m_history_length >= k_history_capacity) {
    return; // a pathological history is cut; Zeek's has no limit
  }
  // Every letter is ASCII upper case, so lower case is one bit away.
  const char letter = is_orig(sender) || upper == '^' ? upper : static_cast<char>(upper | 0x20);
  m_history[m_history_length++] = letter;
}

bool ZeekConn::seen_before(Side sender, std::uint16_t bit, char upper) {
  const std::uint16_t mask = is_orig(sender) ? bit : static_cast<std::uint16_t>(bit << 8);
  if ((m_seen & mask) != 0) {
    return true;
  }
  m_seen |= mask;
  add_letter(sender, upper);
  return false;
}

void ZeekConn::scaled_letter(Side sender, char upper, std::uint16_t& counter) {
  if (counter == 0xffff) {
    return;
  }
  ++counter;
  if (is_power_of_ten(counter)) {
    add_letter(sender, upper);
  }
}

void ZeekConn::flip() {
  m_orig = other(m_orig);
  m_flipped = !m_flipped;
  m_partial = false;
  add_letter(m_orig, '^');
}

void ZeekConn::flip_history() {
  m_orig = other(m_orig);
  m_flipped = !m_flipped;
  m_partial = false;
  for (std::size_t i = 0; i < m_history_length; ++i) {
    const auto c = static_cast<unsigned char>(m_history[i]);
    m_history[i] = static_cast<char>(std::isupper(c) ? std::tolower(c) : std::toupper(c));
  }
  m_seen = static_cast<std::uint16_t>((m_seen >> 8) | (m_seen << 8));
  if (m_history_length < k_history_capacity) {
    std::copy_backward(m_history.begin(), m_history.begin() + m_history_length,
                       m_history.begin() + m_history_length + 1);
    m_history[0] = '^';
    ++m_history_length;
  }
}

void ZeekConn::set_state(Side side, ZeekState state) {
  ZeekEndpoint& endpoint = m_endpoints[static_cast<std::size_t>(side)];
  if (endpoint.state != state) {
    endpoint.prev_state = endpoint.state;
    endpoint.state = state;
  }
}

// The common case, done in a few comparisons: a plain ACK or data segment on a connection
// past its handshake and before any RST, with nothing that could reveal a gap and nothing
// out of order. Returns false, having changed nothing, for anything else; what it does is
// exactly what the full rules below would do for such a segment, since none of them
// applies to it but the 'D'/'A' letter, the partial flag and the sequence bookkeeping.
bool ZeekConn::observe_in_order(Side sender, const decode::TcpSegment& segment) {
  constexpr std::uint8_t k_controls = flag::syn | flag::fin | flag::rst | flag::ack;
  if ((segment.flags & k_controls) != flag::ack || segment.window == 0) {
    return false;
  }
  const auto index = static_cast<std::size_t>(sender);
  ZeekEndpoint& self = m_endpoints[index];
  ZeekEndpoint& peer = m_endpoints[index ^ 1U];
  // In these states a segment without SYN, FIN or RST changes no state.
  const auto settled = [](ZeekState state) {
    return state == ZeekState::established || state == ZeekState::closed ||
           state == ZeekState::partial;
  };
  if (!settled(self.state) || !settled(peer.state)) {
    return false;
  }
  const std::uint32_t payload = segment.payload_length;
  const std::uint32_t end = segment.seq + payload;
  const std::int32_t advance_last = seq_distance(self.last_seq, end);
  if (payload > 0 &&
      (advance_last <= 0 || segment.seq - self.start_seq != self.delivered ||
       (m_rare && (!m_rare->loss.pending[index].empty() || m_rare->loss.gave_up[index])))) {
    return false; // a retransmission ('T'), or data that is not the next in the stream
  }
  const std::int32_t acked = seq_distance(peer.start_seq, segment.ack);
  if (acked < 0 || static_cast<std::uint32_t>(acked) > peer.delivered) {
    return false; // the acknowledgment may reveal a gap
  }
  if (payload > 0) {
    seen_before(sender, k_seen_data, 'D');
  } else {
    seen_before(sender, k_seen_ack, 'A');
  }
  if ((m_first_seen & side_bit(sender)) == 0) {
    m_partial = true; // what update_partial decides for a segment without SYN
  }
  const std::int32_t advance_ack = seq_distance(peer.ack_seq, segment.ack);
  if (advance_ack > 0 && !(segment.ack == 0 && advance_ack > k_too_large_seq_delta)) {
    peer.ack_seq = segment.ack;
  }
  if (advance_last > 0) {
    self.last_seq = end;
  }
  self.delivered += payload;
  return true;
}

void ZeekConn::observe(Side sender, const decode::TcpSegment& segment, TimeNs now, TimeNs previous,
                       const ZeekServerPorts& server_ports) {
  if (m_started && (removed_by_timer(now, previous) || reused_by(segment))) [[unlikely]] {
    start_new_row(now, previous);
  }
  if (m_rare && !m_rare->rows.earlier.empty()) [[unlikely]] {
    ZeekTally& sent = m_rare->rows.current_sent[static_cast<std::size_t>(sender)];
    ++sent.packets;
    sent.ip_bytes += segment.ip_length;
  }
  if (observe_in_order(sender, segment)) {
    return;
  }
  const bool syn = segment.has(flag::syn);
  const bool ack = segment.has(flag::ack);
  const bool fin = segment.has(flag::fin);
  const bool rst = segment.has(flag::rst);
  if (!m_started) {
    m_started = true;
    m_orig = sender;
    if ((!syn || ack) && server_ports.contains(segment.src_port)) {
      const bool swap = server_ports.contains(segment.dst_port)
                            ? !syn && segment.src_port < segment.dst_port
                            : true;
      if (swap) {
        flip();
      }
    }
  }
  // A connection that began with an unflipped SYN-ACK and goes on with an ACK or data is
  // no stealth scan: the SYN-ACK's sender is the responder after all.
  if (!syn && !rst && (ack || segment.payload_length > 0) &&
      m_endpoints[static_cast<std::size_t>(m_orig)].state == ZeekState::syn_ack_sent &&
      m_endpoints[static_cast<std::size_t>(other(m_orig))].state == ZeekState::inactive) {
    flip_history();
  }
  update_partial(sender, syn, ack);
  ZeekEndpoint& self = m_endpoints[static_cast<std::size_t>(sender)];
  ZeekEndpoint& peer = m_endpoints[static_cast<std::size_t>(other(sender))];
  const std::uint32_t end = segment.seq + segment_length(segment);

  // Where Zeek's relative sequence numbers start, and where they restart.
  const auto restart = [&] {
    self.start_seq = segment.seq;
    self.ack_seq = segment.seq;
    self.last_seq = end;
  };
  switch (self.state) {
  case ZeekState::inactive:
    if (syn) {
      restart();
    } else {
      // No SYN: numbered as if one came just before, and not taken as a repeat.
      self.start_seq = segment.seq - 1;
      self.ack_seq = segment.seq - 1;
      self.last_seq = segment.seq;
    }
    break;
  case ZeekState::syn_sent:
  case ZeekState::syn_ack_sent:
    if (syn && segment.seq != self.start_seq) {
      restart();
    }
    break;
  case ZeekState::established:
  case ZeekState::partial:
    if (syn) {
      restart();
    }
    break;
  case ZeekState::reset:
    if (syn && self.prev_state == ZeekState::inactive) {
      restart();
    }
    break;
  case ZeekState::closed:
    break;
  }

  const std::uint32_t rel_seq = segment.seq - self.start_seq;
  const bool seq_underflow = seq_distance(self.start_seq, segment.seq) < 0;
  update_history(sender, segment, rel_seq);

  if (segment.window == 0 && !rst && peer.state != ZeekState::closed &&
      self.state != ZeekState::reset) {
    scaled_letter(sender, 'W', self.zero_windows);
  }
  if (fin) {
    self.sent_fin = true;
  }
  // An acknowledgment of the peer's data, when it is one (not the first thing heard of
  // the peer, not below its first sequence number); a RST's counts for gaps only.
  bool acknowledges = false;
  if (ack) {
    if (peer.state == ZeekState::inactive) {
      peer.start_seq = segment.ack - 1;
      peer.ack_seq = segment.ack - 1;
      peer.last_seq = segment.ack - 1;
    } else if (seq_distance(peer.start_seq, segment.ack) >= 0) {
      acknowledges = true;
      const std::int32_t advance = seq_distance(peer.ack_seq, segment.ack);
      const bool broken_zero = segment.ack == 0 && advance > k_too_large_seq_delta;
      if (!rst && advance > 0 && !broken_zero) {
        peer.ack_seq = segment.ack;
      }
    }
  }
  update_last_seq(sender, end, segment);
  const bool attempt = syn && is_orig(sender) && self.state == ZeekState::inactive;
  const bool was_closed = closed_or_reset(self.state);
  update_state(sender, segment);
  arm_timers(sender, attempt, was_closed, now);
  // After the state update, as in Zeek: a gap the closing packet reveals is judged by the
  // states that packet left behind.
  if (acknowledges) {
    ack_received(other(sender), segment.ack - peer.start_seq);
  }
  if (segment.payload_length > 0 && !rst && !seq_underflow) {
    data_sent(sender, syn ? rel_seq + 1 : rel_seq, segment.payload_length);
  }
}

bool ZeekConn::removed_by_timer(TimeNs now, TimeNs previous) const {
  if (now - previous >= k_inactivity_timeout) {
    return true;
  }
  switch (m_timer) {
  case Timer::none:
    return false;
  case Timer::close:
    return now - m_timer_start >= k_close_delay;
  case Timer::attempt: {
    // Checked by the first packet after the deadline, so the states are those the timer met.
    const ZeekState orig = m_endpoints[static_cast<std::size_t>(m_orig)].state;
    const ZeekState resp = m_endpoints[static_cast<std::size_t>(other(m_orig))].state;
    return now - m_timer_start >= k_attempt_delay &&
           (orig == ZeekState::syn_sent || orig == ZeekState::syn_ack_sent) &&
           resp == ZeekState::inactive;
  }
  }
  return false;
}

bool ZeekConn::reused_by(const decode::TcpSegment& segment) const {
  if (!segment.has(flag::syn)) {
    return false;
  }
  const ZeekEndpoint& orig = m_endpoints[static_cast<std::size_t>(m_orig)];
  const ZeekEndpoint& resp = m_endpoints[static_cast<std::size_t>(other(m_orig))];
  const bool syn_ack = segment.has(flag::ack);
  if (syn_ack && orig.state != ZeekState::inactive) {
    return false; // an answer within the connection
  }
  if (closed_or_reset(orig.state) || closed_or_reset(resp.state)) {
    return true;
  }
  const ZeekEndpoint& opener = syn_ack ? resp : orig;
  if (segment.seq == opener.start_seq) {
    return false; // a repeat of the connection's own opening
  }
  const bool late_syn = !syn_ack && orig.state == ZeekState::syn_ack_sent &&
                        resp.state == ZeekState::inactive && segment.seq == resp.start_seq;
  return !late_syn;
}

void ZeekConn::start_new_row(TimeNs now, TimeNs previous) {
  Rows& rows = rare().rows;
  ZeekRow& row = rows.earlier.emplace_back();
  row.first_seen = rows.current_start; // the first row's is completed at the report
  row.last_seen = previous;
  row.orig = m_orig;
  conn_state().copy(row.conn_state.data(), row.conn_state.size() - 1);
  history().copy(row.history.data(), row.history.size() - 1);
  row.orig_bytes = bytes(m_orig);
  row.resp_bytes = bytes(other(m_orig));
  row.missed_bytes = missed_bytes();
  row.sent = rows.current_sent;
  rows.current_start = now;
  rows.current_sent = {};
  // A new connection in Zeek's eyes: nothing of the old one carries over but its rows.
  DeepCopied<Rare> kept = std::move(m_rare);
  kept->loss = Loss{};
  *this = ZeekConn{};
  m_rare = std::move(kept);
}

// Zeek arms the attempt timer on the originator's first SYN, and the close timer when a
// packet completes the close; the latter cancels the former.
void ZeekConn::arm_timers(Side sender, bool attempt, bool was_closed, TimeNs now) {
  if (attempt && m_timer == Timer::none) {
    m_timer = Timer::attempt;
    m_timer_start = now;
  }
  const ZeekEndpoint& self = m_endpoints[static_cast<std::size_t>(sender)];
  const ZeekEndpoint& peer = m_endpoints[static_cast<std::size_t>(other(sender))];
  if (was_closed || !closed_or_reset(self.state)) {
    return;
  }
  if (self.state == ZeekState::reset || closed_or_reset(peer.state) ||
      peer.state == ZeekState::inactive) {
    m_timer = Timer::close;
    m_timer_start = now;
  }
}

std::span<const ZeekRow> ZeekConn::complete_earlier_rows(TimeNs first_seen,
                                                         const std::array<ZeekTally, 2>& totals) {
  if (!m_rare || m_rare->rows.earlier.empty()) {
    return {};
  }
  Rows& rows = m_rare->rows;
  ZeekRow& first = rows.earlier.front();
  first.first_seen = first_seen;
  for (std::size_t side = 0; side < totals.size(); ++side) {
    ZeekTally sent = totals[side];
    const auto take = [&](const ZeekTally& later) {
      sent.packets -= later.packets;
      sent.ip_bytes -= later.ip_bytes;
    };
    std::for_each(rows.earlier.begin() + 1, rows.earlier.end(),
                  [&](const ZeekRow& row) { take(row.sent[side]); });
    take(rows.current_sent[side]);
    first.sent[side] = sent;
  }
  return rows.earlier;
}

TimeNs ZeekConn::row_start(TimeNs first_seen) const {
  return m_rare && !m_rare->rows.earlier.empty() ? m_rare->rows.current_start : first_seen;
}

void ZeekConn::observe_bad_checksum(Side sender) {
  scaled_letter(sender, 'C', loss().bad_checksums[static_cast<std::size_t>(sender)]);
}

ZeekConn::Rare& ZeekConn::rare() {
  if (!m_rare) {
    m_rare = std::make_unique<Rare>();
  }
  return *m_rare;
}

// Zeek's SetPartialStatus: re-decided by every packet until the endpoint is marked as
// properly seen, so in practice "the originator's latest packet was not a bare SYN".
void ZeekConn::update_partial(Side sender, bool syn, bool ack) {
  if ((m_first_seen & side_bit(sender)) != 0) {
    return;
  }
  if (is_orig(sender)) {
    m_partial = !syn || ack;
  } else if (!m_partial) {
    m_partial = !syn;
  }
}

void ZeekConn::ack_received(Side data_sender, std::uint32_t rel_ack) {
  const auto index = static_cast<std::size_t>(data_sender);
  ZeekEndpoint& sender = m_endpoints[index];
  if (sender.sent_fin && rel_ack > sender.last_fin) {
    rel_ack = sender.last_fin; // the FIN itself is no data
  }
  if (rel_ack <= sender.delivered) {
    return;
  }
  if (rel_ack <= 2 && m_partial) {
    return; // the first ACK of a partial connection, or a keep-alive's
  }
  if (m_rare && m_rare->loss.gave_up[index]) {
    sender.delivered = rel_ack;
    return;
  }
  const bool counted =
      clean(sender) && clean(m_endpoints[static_cast<std::size_t>(other(data_sender))]);
  if (!counted && (!m_rare || m_rare->loss.pending[index].empty())) {
    sender.delivered = rel_ack;
    return;
  }
  Loss& record = loss();
  sender.delivered =
      record.pending[index].skip_to(sender.delivered, rel_ack, [&](std::uint32_t length) {
        if (counted) {
          record.missed_bytes += length;
          scaled_letter(data_sender, 'G', record.gaps[index]);
        }
      });
}

void ZeekConn::data_sent(Side sender, std::uint32_t rel_begin, std::uint32_t length) {
  const auto index = static_cast<std::size_t>(sender);
  ZeekEndpoint& self = m_endpoints[index];
  const std::uint32_t rel_end = rel_begin + length;
  if (rel_end <= self.delivered) {
    return; // a retransmission, or data whose hole was passed over
  }
  if (m_rare && m_rare->loss.gave_up[index]) {
    return;
  }
  if (rel_begin <= self.delivered) {
    self.delivered = m_rare ? m_rare->loss.pending[index].deliver_from(rel_end) : rel_end;
    return;
  }
  Loss& record = loss();
  ZeekPendingData& pending = record.pending[index];
  pending.add(rel_begin, rel_end);
  const bool none_acked = self.ack_seq == self.start_seq || self.ack_seq == self.start_seq + 1;
  if (none_acked && pending.end() - self.delivered > k_max_above_hole_without_acks) {
    pending.clear();
    record.gave_up[index] = true;
  }
}

void ZeekConn::update_history(Side sender, const decode::TcpSegment& segment,
                              std::uint32_t rel_seq) {
  ZeekEndpoint& self = m_endpoints[static_cast<std::size_t>(sender)];
  const bool syn = segment.has(flag::syn);
  const bool fin = segment.has(flag::fin);
  const bool rst = segment.has(flag::rst);
  const int controls = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (controls > 1) {
    if (fin && rst) {
      seen_before(sender, k_seen_fin_rst, 'I');
    } else {
      seen_before(sender, k_seen_multi, 'Q');
    }
    return;
  }
  if (syn) {
    const char letter = segment.has(flag::ack) ? 'H' : 'S';
    if (seen_before(sender, k_seen_syn, letter) && rel_seq != self.last_syn) {
      add_letter(sender, letter);
    }
    self.last_syn = rel_seq;
  } else if (fin) {
    const std::uint32_t fin_end = rel_seq + segment.payload_length;
    if (seen_before(sender, k_seen_fin, 'F') && fin_end != self.last_fin) {
      add_letter(sender, 'F');
    }
    self.last_fin = fin_end;
  } else if (rst) {
    if (seen_before(sender, k_seen_rst, 'R') && rel_seq != self.last_rst) {
      add_letter(sender, 'R');
    }
    self.last_rst = rel_seq;
  } else if (segment.payload_length > 0) {
    seen_before(sender, k_seen_data, 'D');
  } else if (segment.has(flag::ack)) {
    seen_before(sender, k_seen_ack, 'A');
  }
}

void ZeekConn::update_last_seq(Side sender, std::uint32_t end, const decode::TcpSegment& segment) {
  ZeekEndpoint& self = m_endpoints[static_cast<std::size_t>(sender)];
  const std::int32_t delta = seq_distance(self.last_seq, end);
  const bool jump = delta > k_too_large_seq_delta || delta < -k_too_large_seq_delta;
  if ((segment.has(flag::syn) || segment.has(flag::rst)) && jump) {
    return; // not trusted
  }
  // With only the SYN seen so far, a FIN says how far the stream went.
  const bool fin_after_syn_only = segment.has(flag::fin) && self.last_seq == self.start_seq + 1;
  if (self.state == ZeekState::reset && !fin_after_syn_only) {
    return; // nothing after a RST is trusted
  }
  if (fin_after_syn_only || delta > 0) {
    self.last_seq = end;
  } else if (segment.payload_length > 0) {
    scaled_letter(sender, 'T', self.retransmits);
  }
}

void ZeekConn::update_state(Side sender, const decode::TcpSegment& segment) {
  ZeekEndpoint& self = m_endpoints[static_cast<std::size_t>(sender)];
  const Side peer_side = other(sender);
  ZeekEndpoint& peer = m_endpoints[static_cast<std::size_t>(peer_side)];
  const bool syn = segment.has(flag::syn);
  const bool ack = segment.has(flag::ack);
  const bool fin = segment.has(flag::fin);
  const bool rst = segment.has(flag::rst);
  switch (self.state) {
  case ZeekState::inactive: {
    if (syn) {
      if (is_orig(sender)) {
        set_state(sender, ack ? ZeekState::syn_ack_sent : ZeekState::syn_sent);
      } else {
        if (!ack && peer.state == ZeekState::syn_ack_sent && segment.seq == self.start_seq) {
          // The SYN came after the SYN-ACK that answered it: swap the roles.
          flip();
          m_first_seen |= side_bit(sender);
          set_state(peer_side, ZeekState::established);
        }
        if (peer.state == ZeekState::syn_sent) {
          set_state(peer_side, ZeekState::established);
        }
        set_state(sender, ZeekState::established);
      }
    }
    if (fin) {
      set_state(sender, ZeekState::closed);
    }
    if (rst) {
      set_state(sender, ZeekState::reset);
    }
    if (self.state == ZeekState::inactive) {
      const ZeekState orig_state = m_endpoints[static_cast<std::size_t>(m_orig)].state;
      if (!is_orig(sender) && segment.payload_length == 0 && orig_state == ZeekState::syn_sent) {
        // An ACK of the SYN before the SYN-ACK: not a partial connection.
      } else if (ack && peer.state == ZeekState::established) {
        set_state(sender, ZeekState::established);
        m_partial = false;
        m_first_seen |= side_bit(sender);
      } else {
        set_state(sender, ZeekState::partial);
      }
    }
    break;
  }
  case ZeekState::syn_sent:
  case ZeekState::syn_ack_sent:
    if (fin) {
      set_state(sender, ZeekState::closed);
    }
    if (rst) {
      set_state(sender, ZeekState::reset);
    }
    break;
  case ZeekState::established:
  case ZeekState::partial:
    if (syn && self.state == ZeekState::partial && peer.state == ZeekState::inactive && !ack) {
      set_state(sender, ZeekState::syn_sent);
    }
    if (fin && !rst) {
      set_state(sender, ZeekState::closed);
      if (peer.state == ZeekState::reset && peer.prev_state == ZeekState::closed) {
        set_state(peer_side, ZeekState::closed); // FIN then RST: a normal close after all
      }
    }
    if (rst) {
      set_state(sender, ZeekState::reset);
    }
    break;
  case ZeekState::closed:
    if (rst && peer.state != ZeekState::closed) {
      set_state(sender, ZeekState::reset);
    }
    break;
  case ZeekState::reset:
    break;
  }
}

std::uint64_t ZeekConn::bytes(Side side) const {
  const ZeekEndpoint& self = m_endpoints[static_cast<std::size_t>(side)];
  const ZeekEndpoint& peer = m_endpoints[static_cast<std::size_t>(other(side))];
  const bool nothing_acked = self.ack_seq == self.start_seq || self.ack_seq == self.start_seq + 1;
  if (self.prev_state == ZeekState::syn_sent && self.state == ZeekState::reset &&
      peer.state == ZeekState::inactive && !nothing_acked) {
    return 0; // a half-open connection found and aborted: the numbers mean nothing
  }
  const std::uint32_t top = seq_max(self.last_seq, self.ack_seq);
  std::uint32_t size = top - self.start_seq;
  if (size != 0) {
    --size; // the SYN (or the place of one)
  }
  if (self.sent_fin && size != 0) {
    --size;
  }
  return size;
}

bool ZeekConn::rstos0_history() const {
  const std::string_view text = history();
  std::size_t i = 0;
  if (i < text.size() && text[i] == '^') {
    ++i;
  }
  if (i >= text.size() || text[i] != 'S') {
    return false;
  }
  for (++i; i < text.size(); ++i) {
    if (text[i] == 'R') {
      return true;
    }
    if (std::string_view("HAFGIQ").find(text[i]) != std::string_view::npos) {
      return false;
    }
  }
  return false;
}

std::string_view ZeekConn::conn_state() const {
  const ZeekState o = m_endpoints[static_cast<std::size_t>(m_orig)].state;
  const ZeekState r = m_endpoints[static_cast<std::size_t>(other(m_orig))].state;
  if (r == ZeekState::reset) {
    if (o == ZeekState::syn_sent || o == ZeekState::syn_ack_sent ||
        (o == ZeekState::reset && bytes(m_orig) == 0 && bytes(other(m_orig)) == 0)) {
      return "REJ";
    }
    return inactive(o) ? "RSTRH" : "RSTR";
  }
  if (o == ZeekState::reset) {
    if (inactive(r)) {
      return rstos0_history() ? "RSTOS0" : "OTH";
    }
    return "RSTO";
  }
  if (o == ZeekState::closed && r == ZeekState::closed) {
    return "SF";
  }
  if (o == ZeekState::closed) {
    return inactive(r) ? "SH" : "S2";
  }
  if (r == ZeekState::closed) {
    return inactive(o) ? "SHR" : "S3";
  }
  if (o == ZeekState::syn_sent && r == ZeekState::inactive) {
    return "S0";
  }
  if (o == ZeekState::established && r == ZeekState::established) {
    return "S1";
  }
  return "OTH";
}

} // namespace tcpstate::conn
