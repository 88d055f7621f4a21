#include "segment_tracker.hpp"

#include "evidence_text.hpp"

#include "tcpstate/util/sequence.hpp"

#include <string>

namespace tcpstate::conn {
namespace {

using decode::TcpSegment;
namespace flag = decode::tcp_flag;
using anomaly::Anomaly;
using anomaly::Note;

// How a segment relates to what its sender sent before.
struct Novelty {
  bool retransmission = false; // repeats sequence space already sent (data, SYN or FIN)
  bool keepalive = false;      // RFC 9293 3.8.4: one below SND.NXT, at most one byte
  bool window_probe = false;   // the same shape while the peer's window is zero (3.8.6.1)
};

Novelty classify(const Endpoint& sender, const Endpoint& receiver, const TcpSegment& segment) {
  Novelty novelty;
  if (!sender.sent_anything || segment.has(flag::rst)) {
    return novelty;
  }
  const bool syn = segment.has(flag::syn);
  const bool fin = segment.has(flag::fin);
  if (syn) {
    novelty.retransmission = sender.sent_syn && segment.seq == sender.isn;
    return novelty;
  }
  if (fin && sender.sent_fin && segment.seq + segment.payload_length == sender.fin_seq) {
    novelty.retransmission = true;
    return novelty;
  }
  const bool probe_shape =
      !fin && segment.payload_length <= 1 && segment.seq + 1 == sender.next_seq;
  if (probe_shape) {
    (receiver.last_window == 0 ? novelty.window_probe : novelty.keepalive) = true;
    return novelty;
  }
  novelty.retransmission = segment.payload_length > 0 && seq_before(segment.seq, sender.next_seq);
  return novelty;
}

// An ACK further beyond what the capture showed than any window a stack can offer
// (RFC 7323 2.3) is not an ACK of this connection's data, so no evidence.
constexpr std::uint32_t k_largest_window = std::uint32_t{1} << 30;

// The last sequence number of a counted gap was a FIN, not a byte.
void take_fin_out_of_gap(Endpoint& endpoint) {
  endpoint.fin_possible = false;
  if (endpoint.missed_bytes > 0) {
    endpoint.missed_bytes--;
  }
}

// Marks the endpoint's FIN as sent at the end of what the peer's ACKs proved it sent
// (next_seq is one past it), though the capture does not show it. A gap is first counted
// as bytes; its last sequence number was the FIN.
void mark_fin_inferred(Endpoint& endpoint, EndpointMoments& moments, TimeNs when) {
  endpoint.sent_fin = true;
  endpoint.fin_inferred = true;
  endpoint.fin_seq = endpoint.next_seq - 1;
  moments.first_fin_time = when;
  endpoint.fin_transmissions = 1;
  take_fin_out_of_gap(endpoint);
}

void count_traffic(Endpoint& sender, Endpoint& receiver, const TcpSegment& segment) {
  sender.packets++;
  sender.payload_bytes += segment.payload_length;
  sender.ip_bytes += segment.ip_length;
  // The sender spoke, so whatever the receiver was retransmitting is no longer unanswered.
  receiver.unanswered_retransmits = 0;
}

class SegmentTracker {
public:
  SegmentTracker(Connection& connection, Side sender, const TcpSegment& segment, Cause cause,
                 Recorder& recorder)
      : m_connection(connection), m_sender_side(sender), m_receiver_side(other(sender)),
        m_sender(connection.endpoint(sender)), m_receiver(connection.endpoint(other(sender))),
        m_sender_moments(connection.moments(sender)),
        m_receiver_moments(connection.moments(other(sender))), m_segment(segment), m_cause(cause),
        m_recorder(recorder) {}

  void run() {
    const Novelty novelty = classify(m_sender, m_receiver, m_segment);
    count(novelty);
    correct_earlier_assumptions(novelty);
    apply_to_sender();
    if (m_segment.has(flag::rst)) {
      deliver_rst();
    } else {
      deliver_to_receiver();
    }
    remember_sent();
  }

private:
  void count(const Novelty& novelty) {
    count_traffic(m_sender, m_receiver, m_segment);
    if (m_sender.packets == 1 && m_receiver.packets > 0) {
      CaptureShape& shape = m_recorder.shape();
      shape.connections_two_way++;
      if (m_connection.counted_one_sided) {
        // Its other side was missed, not unseeable: what was inferred is a capture gap.
        shape.connections_one_sided--;
        shape.segments_missed += m_sender.missed_segments;
        m_recorder.note(m_connection, Note::capture_gap, m_sender_side, m_cause,
                        "capture missed earlier segments of the " +
                            std::string(side_name(m_sender_side)) + " that the peer's ACKs prove");
      }
    }
    if (novelty.retransmission) {
      m_sender.retransmits++;
      if (m_sender.unanswered_retransmits++ == 0) {
        m_sender_moments.first_unanswered_packet = m_cause.packet_number;
        m_sender_moments.first_unanswered_time = m_cause.time;
      }
    }
    if (novelty.keepalive) {
      m_recorder.note(m_connection, Note::keepalive, m_sender_side, m_cause,
                      std::string(side_name(m_sender_side)) + " sent a keep-alive probe");
    }
    const bool advertises_window = !m_segment.has(flag::rst) && !m_segment.has(flag::syn);
    if (advertises_window && m_segment.window == 0 && is_synchronized(m_sender.state)) {
      m_recorder.note(m_connection, Note::zero_window, m_sender_side, m_cause,
                      std::string(side_name(m_sender_side)) + " advertised a zero window");
    }
  }

  void mark_loss_proof() {
    m_connection.loss_proof_packet = m_cause.packet_number;
    m_connection.loss_proof_time = m_cause.time;
  }

  // A segment the sender could not have sent had it received an earlier one proves that
  // the earlier one never arrived; undo what its arrival was assumed to do.
  void correct_earlier_assumptions(const Novelty& novelty) {
    const bool rst = m_segment.has(flag::rst);
    // Traffic after a RST it was sent: the RST never arrived (RFC 9293 3.10.7.4 would
    // have deleted the TCB). A segment that left before the RST could arrive proves
    // nothing, so it takes a retransmission or a segment sent two round trips later.
    if (!rst && m_sender.closed_by_received_rst && sent_after_rst_arrived(novelty)) {
      m_sender.closed_by_received_rst = false;
      m_receiver.rst_unproved = false;
      m_receiver.rst_loss_proved = true;
      m_recorder.set_state(m_connection, m_sender_side, m_sender.state_before_rst,
                           "kept sending after a RST: the RST never arrived", m_cause);
      mark_loss_proof();
    }
    if (!rst && (m_sender.fin_inferred || m_sender.fin_possible) && carries_fin_candidate()) {
      disprove_fin_candidate();
    }
    correct_fin_inferred_too_early();
    correct_fin_inferred_for_closed_peer(novelty);
    // A retransmitted SYN-ACK: the handshake's final ACK never arrived (3.5, figure 6).
    // The first SYN-ACK after a bare SYN of the same ISN is a simultaneous open's answer
    // (3.5, figure 8), not a retransmission.
    const bool syn_ack_again = m_segment.has(flag::syn) && m_segment.has(flag::ack) &&
                               novelty.retransmission && m_sender.sent_syn_ack;
    if (syn_ack_again && m_sender.syn_acked) {
      m_sender.syn_acked = false;
      if (m_sender.state == TcpState::established) {
        m_recorder.set_state(m_connection, m_sender_side, TcpState::syn_received,
                             "retransmitted SYN-ACK: the handshake ACK never arrived", m_cause);
      }
      hold_acks(HeldAck::ack_of_syn);
      mark_loss_proof();
    } else if (syn_ack_again) {
      hold_acks_again(HeldAck::ack_of_syn);
    }
    // A retransmitted SYN-ACK to a client that has said nothing since its SYN: a client
    // that got the SYN-ACK answers it at once (3.10.7.3), so it never arrived.
    const bool silent_client = m_receiver.state == TcpState::established && m_receiver.sent_syn &&
                               !m_receiver.sent_ack && m_receiver.next_seq == m_receiver.isn + 1;
    if (syn_ack_again && silent_client) {
      m_receiver.syn_acked = false;
      m_receiver.deaf_to_syn_ack = true;
      m_recorder.set_state(m_connection, m_receiver_side, TcpState::syn_sent,
                           "SYN-ACK retransmitted and never answered: it did not arrive", m_cause);
      mark_loss_proof();
    }
    // A retransmitted FIN: the ACK of the FIN never arrived (3.6).
    if (m_segment.has(flag::fin) && novelty.retransmission && m_sender.fin_acked) {
      m_sender.fin_acked = false;
      undo_ack_of_fin();
      hold_acks(HeldAck::ack_of_fin);
      mark_loss_proof();
    } else if (m_segment.has(flag::fin) && novelty.retransmission) {
      hold_acks_again(HeldAck::ack_of_fin);
    }
    // An ACK below the peer's FIN: the sender had not received that FIN when it sent this
    // (it crossed, or was lost).
    const bool behind_peer_fin = m_segment.has(flag::ack) && m_receiver.sent_fin &&
                                 seq_before(m_segment.ack, m_receiver.fin_seq + 1);
    if (behind_peer_fin && m_sender.received_peer_fin && !m_sender.acked_peer_fin) {
      m_sender.received_peer_fin = false;
      undo_receipt_of_fin();
    }
  }

  bool sent_after_rst_arrived(const Novelty& novelty) const {
    if (novelty.retransmission) {
      return true;
    }
    const TimeNs since_rst = m_cause.time - m_sender_moments.closed_time;
    const TimeNs round_trip = m_connection.handshake_rtt;
    return round_trip > 0 ? since_rst > 2 * round_trip : since_rst > k_ns_per_second;
  }

  // The sequence number a capture gap may have ended with a FIN at.
  std::uint32_t fin_candidate() const {
    return m_sender.fin_inferred ? m_sender.fin_seq : m_sender.next_seq - 1;
  }

  // Data on the candidate sequence number, or anything sent after it: it was a byte of
  // data, not a FIN (nothing follows a FIN, RFC 9293 3.6). A FIN retransmitted at the
  // candidate itself is consistent with it.
  bool carries_fin_candidate() const {
    const std::uint32_t candidate = fin_candidate();
    const std::uint32_t data_end = m_segment.seq + m_segment.payload_length;
    const bool covers = m_segment.payload_length > 0 && !seq_before(candidate, m_segment.seq) &&
                        seq_before(candidate, data_end);
    const bool beyond = (m_segment.payload_length > 0 && seq_after(data_end, candidate + 1)) ||
                        (m_segment.has(flag::fin) && seq_after(data_end, candidate));
    return covers || beyond;
  }

  void disprove_fin_candidate() {
    if (m_sender.fin_possible) {
      m_sender.fin_possible = false;
      return;
    }
    withdraw_inferred_fin(m_sender_side, "this segment goes past it");
  }

  // An inferred FIN that later evidence shows was a byte of data: the closer and its peer
  // go back to where they were without it, and the byte counts as missed data again.
  void withdraw_inferred_fin(Side closer_side, std::string_view evidence) {
    Endpoint& closer = m_connection.endpoint(closer_side);
    Endpoint& peer = m_connection.endpoint(other(closer_side));
    const std::string reason = m_recorder.wants_events()
                                   ? "the FIN inferred at sequence " +
                                         std::to_string(closer.fin_seq - closer.isn) +
                                         " was a byte of data: " + std::string(evidence)
                                   : std::string();
    closer.fin_inferred = false;
    closer.sent_fin = false;
    closer.fin_acked = false;
    closer.fin_transmissions = 0;
    m_connection.moments(closer_side).first_fin_time = 0;
    if (closer.missed_bytes < UINT32_MAX) {
      closer.missed_bytes++;
    }
    m_recorder.set_state(m_connection, closer_side, state_without_own_fin(closer), reason, m_cause);
    if (peer.received_peer_fin) {
      peer.received_peer_fin = false;
      peer.acked_peer_fin = false;
      EndpointMoments& peer_moments = m_connection.moments(other(closer_side));
      peer_moments.acked_peer_fin_time = 0;
      peer_moments.acked_peer_fin_packet = 0;
      m_recorder.set_state(m_connection, other(closer_side), state_without_peer_fin(peer), reason,
                           m_cause);
    }
    if (m_connection.first_fin_side == closer_side && peer.sent_fin) {
      m_connection.first_fin_side = other(closer_side);
    }
  }

  // An ACK past the peer's inferred FIN: nothing follows a FIN (3.6), so the sequence
  // number taken for it was data, and what the ACK covers beyond it is the real gap.
  void correct_fin_inferred_too_early() {
    if (m_receiver.fin_inferred && m_segment.has(flag::ack) && !m_segment.has(flag::rst) &&
        seq_after(m_segment.ack, m_receiver.fin_seq + 1) &&
        m_segment.ack - (m_receiver.fin_seq + 1) <= k_largest_window) {
      withdraw_inferred_fin(m_receiver_side, "this packet acknowledges past it");
    }
  }

  // A new segment from an endpoint that an inferred FIN had closed (it answered that FIN
  // from LAST_ACK and got the last ACK): an endpoint without the connection sends nothing
  // unprompted (RFC 9293 3.10.7.1), so it still had it, and the FIN was data. A
  // retransmission only says the last ACK never arrived (see the FIN rule below).
  void correct_fin_inferred_for_closed_peer(const Novelty& novelty) {
    if (m_receiver.fin_inferred && m_sender.state == TcpState::closed &&
        m_sender.received_peer_fin && !m_sender.closed_by_received_rst && !m_sender.sent_rst &&
        !novelty.retransmission) {
      withdraw_inferred_fin(m_receiver_side, "the peer it closed still sends");
    }
  }

  // Where an endpoint would be had it not sent its FIN; it keeps what it received.
  static TcpState state_without_own_fin(const Endpoint& endpoint) {
    switch (endpoint.state) {
    case TcpState::fin_wait_1:
    case TcpState::fin_wait_2:
      return TcpState::established;
    case TcpState::closing:
    case TcpState::time_wait:
    case TcpState::last_ack:
      return TcpState::close_wait;
    case TcpState::closed:
      return endpoint.received_peer_fin ? TcpState::close_wait : TcpState::established;
    default:
      return endpoint.state;
    }
  }

  // Where an endpoint would be had the peer's FIN not reached it; it keeps what it sent.
  static TcpState state_without_peer_fin(const Endpoint& endpoint) {
    switch (endpoint.state) {
    case TcpState::close_wait:
      return TcpState::established;
    case TcpState::closing:
    case TcpState::last_ack:
      return TcpState::fin_wait_1;
    case TcpState::time_wait:
    case TcpState::closed:
      return endpoint.fin_acked ? TcpState::fin_wait_2 : TcpState::fin_wait_1;
    default:
      return endpoint.state;
    }
  }

  void undo_ack_of_fin() {
    TcpState before = m_sender.state;
    switch (m_sender.state) {
    case TcpState::fin_wait_2:
      before = TcpState::fin_wait_1;
      break;
    case TcpState::time_wait:
      before = m_sender.received_peer_fin ? TcpState::closing : TcpState::fin_wait_1;
      break;
    case TcpState::closed: // only LAST_ACK reaches CLOSED through the ACK of its FIN
      if (m_sender.received_peer_fin && !m_sender.sent_rst && !m_sender.closed_by_received_rst) {
        before = TcpState::last_ack;
      }
      break;
    default:
      break;
    }
    m_recorder.set_state(m_connection, m_sender_side, before,
                         "retransmitted FIN: its ACK never arrived", m_cause);
  }

  void undo_receipt_of_fin() {
    TcpState before = m_sender.state;
    switch (m_sender.state) {
    case TcpState::close_wait:
      before = TcpState::established;
      break;
    case TcpState::closing:
      before = TcpState::fin_wait_1;
      break;
    case TcpState::time_wait:
      before = m_sender.fin_acked ? TcpState::fin_wait_2 : TcpState::fin_wait_1;
      break;
    case TcpState::last_ack:
      before = TcpState::fin_wait_1;
      break;
    default:
      break;
    }
    m_recorder.set_state(m_connection, m_sender_side, before,
                         "ACK below the peer's FIN: that FIN had not arrived", m_cause);
  }

  // After one proved loss, later ACKs of the same kind are not taken as arrived until the
  // endpoint shows it got one, or goes quiet past its next retransmission: a path that
  // lost one such ACK usually keeps losing them (a firewall, a dead return path).
  void hold_acks(HeldAck kind) {
    m_sender.held_ack = kind;
    m_sender.held_ack_arrived = false;
  }
  void hold_acks_again(HeldAck kind) {
    if (m_sender.held_ack == kind) {
      m_sender.held_ack_arrived = false;
    }
  }

  void note_control_transmission() {
    if (m_sender_moments.last_control_time != 0) {
      m_sender_moments.control_backoff = m_cause.time - m_sender_moments.last_control_time;
    }
    m_sender_moments.last_control_time = m_cause.time;
    m_sender_moments.last_control_packet = m_cause.packet_number;
  }

  void apply_to_sender() {
    const bool syn = m_segment.has(flag::syn);
    const bool ack = m_segment.has(flag::ack);
    if (syn) {
      if (!m_sender.sent_syn) {
        m_sender.sent_syn = true;
        m_sender.isn = m_segment.seq;
        m_sender_moments.first_syn_time = m_cause.time;
        m_sender_moments.first_syn_packet = m_cause.packet_number;
      }
      if (m_sender.syn_transmissions < 255) {
        m_sender.syn_transmissions++;
      }
      note_control_transmission();
      send_syn(ack);
    }
    // An endpoint in SYN_RECEIVED whose ACKs are held shows it is established by sending
    // anything but its SYN-ACK.
    if (!syn && m_sender.held_ack == HeldAck::ack_of_syn &&
        m_sender.state == TcpState::syn_received && ack) {
      release_held_ack(m_sender_side, "sent a non-SYN segment: the handshake ACK had arrived");
    }
    if (ack && !syn && !m_segment.has(flag::rst)) {
      acknowledge_peer_syn();
      acknowledge_crossing_syn_ack();
      account_for_uncaptured_peer_segments();
      // Data sent after acknowledging the peer's gap: the sender was still in the middle
      // of the exchange, so the gap is read as the peer's data, not its FIN (both fit the
      // packets; a closing peer is rarely sent more).
      if (m_receiver.fin_possible && m_segment.payload_length > 0) {
        m_receiver.fin_possible = false;
      }
      if (m_sender.fin_possible && acknowledges_peer_fin_only()) {
        infer_own_fin_before_peer_close();
      }
      acknowledge_peer_fin();
    }
    if (m_segment.has(flag::fin)) {
      send_fin();
    }
    if (m_segment.has(flag::rst)) {
      send_rst();
    }
  }

  void send_syn(bool with_ack) {
    if (!with_ack) {
      m_recorder.apply(m_connection, m_sender_side, Stimulus::send_syn, m_cause);
      // Crossing SYNs: each side's SYN reaches the other in SYN_SENT (3.5, figure 8).
      if (m_receiver.state == TcpState::syn_sent && m_receiver.sent_syn) {
        m_recorder.note(m_connection, Note::simultaneous_open, m_sender_side, m_cause,
                        "both endpoints sent SYN without ACK");
        m_recorder.apply(m_connection, m_sender_side, Stimulus::receive_syn, m_cause);
      }
      return;
    }
    // A SYN-ACK from an endpoint that had sent bare SYNs of its own answers the peer's
    // crossing SYN (3.5, figure 8), which the capture did not show.
    if (!m_sender.sent_syn_ack && m_sender.syn_transmissions > 1 && !m_receiver.sent_anything &&
        m_sender.state == TcpState::syn_sent) {
      infer_crossing_syn();
    }
    m_sender.sent_syn_ack = true;
    m_recorder.apply(m_connection, m_sender_side, Stimulus::send_syn_ack, m_cause);
  }

  [[gnu::cold]] void infer_crossing_syn() {
    count_one_sided();
    m_receiver.missed_segments = 1;
    m_receiver.sent_syn = true;
    m_receiver.sent_anything = true;
    m_receiver.isn = m_segment.ack - 1;
    m_receiver.next_seq = m_segment.ack;
    m_receiver_moments.first_syn_time = m_cause.time;
    m_recorder.note(m_connection, Note::simultaneous_open, m_receiver_side, m_cause,
                    "both endpoints sent SYN without ACK");
    m_recorder.set_state(m_connection, m_receiver_side, TcpState::syn_received,
                         "SYN not in the capture: the peer's SYN-ACK after its own SYN answers it",
                         m_cause);
  }

  // In a simultaneous open, an endpoint that sent its SYN-ACK sends a bare ACK once the
  // peer's SYN-ACK acknowledged its SYN (3.5, figure 8): that SYN-ACK arrived, though the
  // capture does not show it.
  void acknowledge_crossing_syn_ack() {
    if (m_sender.state != TcpState::syn_received || !m_sender.sent_syn_ack || m_sender.syn_acked ||
        m_sender.held_ack == HeldAck::ack_of_syn ||
        !m_connection.notes.has(Note::simultaneous_open) || !m_receiver.sent_syn ||
        m_segment.ack != m_receiver.isn + 1 || m_segment.payload_length != 0) {
      return;
    }
    m_sender.syn_acked = true;
    m_recorder.set_state(m_connection, m_sender_side, TcpState::established,
                         "SYN-ACK not in the capture: answered by this ACK", m_cause);
  }

  // A client in SYN_SENT acknowledging the peer's SYN got the SYN-ACK after all. With
  // only one direction in the capture, that ACK is the only trace of the SYN-ACK.
  void acknowledge_peer_syn() {
    if (m_sender.state != TcpState::syn_sent) {
      return;
    }
    if (!m_receiver.sent_anything) {
      infer_uncaptured_syn_ack();
    }
    if (!m_receiver.sent_syn || m_segment.ack != m_receiver.isn + 1) {
      return;
    }
    m_sender.deaf_to_syn_ack = false;
    m_sender.syn_acked = true;
    m_recorder.apply(m_connection, m_sender_side, Stimulus::receive_syn_ack, m_cause);
  }

  // 3.10.7.3: from SYN_SENT a stack sends a plain ACK only after an acceptable SYN-ACK,
  // so the peer sent one that the capture did not see.
  void infer_uncaptured_syn_ack() {
    count_one_sided();
    m_receiver.missed_segments = 1;
    m_receiver.sent_syn = true;
    m_receiver.sent_anything = true;
    m_receiver.isn = m_segment.ack - 1;
    m_receiver.next_seq = m_segment.ack;
    m_receiver_moments.first_syn_time = m_cause.time;
    m_recorder.set_state(m_connection, m_receiver_side, TcpState::syn_received,
                         "SYN-ACK not in the capture, implied by the peer's ACK", m_cause);
  }

  // RFC 9293 3.4: an ACK is cumulative, so one beyond everything the capture showed of the
  // peer proves the peer sent, and the sender received, the sequence space in between. The
  // capture missed it; the network did not.
  void account_for_uncaptured_peer_segments() {
    const bool known_sequence_space =
        m_receiver.sent_anything && (m_receiver.sent_syn || m_connection.midstream);
    if (!known_sequence_space || m_receiver.sent_fin || m_receiver.state == TcpState::syn_sent ||
        !seq_after(m_segment.ack, m_receiver.next_seq)) {
      return;
    }
    const std::uint32_t missed = m_segment.ack - m_receiver.next_seq;
    if (missed > k_largest_window) {
      return;
    }
    m_receiver.next_seq = m_segment.ack;
    if (m_receiver.missed_segments < UINT16_MAX) {
      m_receiver.missed_segments++;
    }
    m_receiver.missed_bytes = m_receiver.missed_bytes > UINT32_MAX - missed
                                  ? UINT32_MAX
                                  : m_receiver.missed_bytes + missed;
    if (m_receiver.packets == 0) {
      count_one_sided();
    } else {
      m_recorder.shape().segments_missed++;
      m_recorder.note(m_connection, Note::capture_gap, m_receiver_side, m_cause,
                      "capture missed " + std::to_string(missed) + " sequence numbers the " +
                          std::string(side_name(m_receiver_side)) +
                          " sent: this packet acknowledges them");
    }
    m_receiver.fin_possible = false;
    // The uncaptured segments carried an ACK of the sender's SYN (every segment after
    // the handshake does, 3.10.7.3), and the sender got them.
    if (m_sender.state == TcpState::syn_received && is_synchronized(m_receiver.state)) {
      m_sender.syn_acked = true;
      m_sender.held_ack = HeldAck::none;
      m_recorder.set_state(m_connection, m_sender_side, TcpState::established,
                           "acknowledges segments the capture missed, which acknowledged its SYN",
                           m_cause);
    }
    // A receiver still in SYN_RECEIVED as far as the capture shows sent data, so the ACK
    // of its SYN had arrived (this ACK delivers it below): the data may end in its FIN.
    const bool sent_data_from_syn_received =
        m_receiver.state == TcpState::syn_received && missed > 1 && !m_sender.sent_fin;
    const bool could_close = m_receiver.state == TcpState::established ||
                             m_receiver.state == TcpState::close_wait ||
                             sent_data_from_syn_received;
    if (!could_close) {
      return;
    }
    // One sequence number is a FIN unless a lone byte of data follows (then the
    // receiver's next segment disproves it). More may be data with or without a FIN at
    // the end: decided by what follows.
    if (missed == 1 || m_sender.sent_fin) {
      infer_peer_fin("FIN not in the capture: this packet acknowledges it");
    } else {
      m_receiver.fin_possible = true;
    }
  }

  // A bare ACK of the peer's FIN, sent from where the sender's possible FIN would have
  // left it (one past it).
  bool acknowledges_peer_fin_only() const {
    return m_segment.payload_length == 0 && !m_segment.has(flag::fin) &&
           m_segment.seq == m_sender.next_seq && m_receiver.sent_fin &&
           seq_after_or_equal(m_segment.ack, m_receiver.fin_seq + 1);
  }

  // The sender's capture gap may have ended with a FIN, and the peer, which had
  // acknowledged the whole gap, then closed too, and the sender answers that FIN without
  // a FIN of its own: it had closed first. Had it only sent data, it would now be in
  // CLOSE_WAIT and its own FIN would follow, which disproves this (see
  // disprove_fin_candidate).
  void infer_own_fin_before_peer_close() {
    mark_fin_inferred(m_sender, m_sender_moments, m_cause.time);
    m_sender.fin_acked = true; // the peer's ACK covered the whole gap
    m_connection.first_fin_side = m_sender_side;
    m_connection.simultaneous_close = false;
    m_receiver.received_peer_fin = true;
    m_receiver.acked_peer_fin = true;
    m_receiver_moments.acked_peer_fin_time = m_receiver_moments.first_fin_time;
    m_receiver_moments.acked_peer_fin_packet = m_receiver_moments.last_control_packet;
    const std::string_view why =
        "FIN not in the capture: the peer acknowledged it, closed, and is answered by a bare ACK";
    m_recorder.set_state(m_connection, m_sender_side,
                         m_sender.received_peer_fin ? TcpState::time_wait : TcpState::fin_wait_2,
                         why, m_cause);
    m_recorder.set_state(m_connection, m_receiver_side,
                         m_receiver.fin_acked ? TcpState::closed : TcpState::last_ack, why,
                         m_cause);
  }

  void count_one_sided() {
    if (!m_connection.counted_one_sided) {
      m_connection.counted_one_sided = true;
      m_recorder.shape().connections_one_sided++;
    }
  }

  void infer_peer_fin(std::string_view why) {
    const bool passive_close = m_receiver.state == TcpState::close_wait;
    mark_fin_inferred(m_receiver, m_receiver_moments, m_cause.time);
    if (!m_sender.sent_fin) {
      m_connection.first_fin_side = m_receiver_side;
    }
    m_recorder.set_state(m_connection, m_receiver_side,
                         next_state(m_receiver.state, Stimulus::send_fin), why, m_cause);
    // A FIN sent from CLOSE_WAIT acknowledged the FIN that put its sender there (every
    // segment after the peer's FIN acknowledges it, 3.10.7.4): the sender's FIN is
    // acknowledged too, unless the sender goes on to retransmit it.
    if (passive_close && m_sender.sent_fin && !m_sender.fin_acked &&
        m_sender.held_ack != HeldAck::ack_of_fin) {
      const std::uint32_t covers = m_sender.fin_seq + 1;
      if (!m_receiver.sent_ack || seq_after(covers, m_receiver.highest_ack)) {
        m_receiver.highest_ack = covers;
        m_receiver.sent_ack = true;
      }
      m_sender.fin_acked = true;
      m_recorder.set_state(
          m_connection, m_sender_side, next_state(m_sender.state, Stimulus::receive_ack_of_fin),
          "ACK of FIN not in the capture: the peer's uncaptured FIN carried it", m_cause);
    }
  }

  // The sender's ACK field covers the peer's FIN: it has that FIN for certain.
  void acknowledge_peer_fin() {
    if (!m_receiver.sent_fin || !seq_after_or_equal(m_segment.ack, m_receiver.fin_seq + 1)) {
      return;
    }
    if (!m_sender.acked_peer_fin) {
      m_sender.acked_peer_fin = true;
      m_sender_moments.acked_peer_fin_time = m_cause.time;
      m_sender_moments.acked_peer_fin_packet = m_cause.packet_number;
    }
    if (!m_sender.received_peer_fin) {
      m_sender.received_peer_fin = true;
      m_recorder.apply(m_connection, m_sender_side, Stimulus::receive_fin, m_cause);
    }
  }

  void send_fin() {
    const std::uint32_t fin_seq = m_segment.seq + m_segment.payload_length;
    if (m_sender.fin_possible) {
      // The FIN the capture missed, retransmitted: its first copy was already acknowledged.
      take_fin_out_of_gap(m_sender);
    }
    if (!m_sender.sent_fin) {
      m_sender.sent_fin = true;
      m_sender.fin_seq = fin_seq;
      m_sender_moments.first_fin_time = m_cause.time;
      if (!m_receiver.sent_fin) {
        m_connection.first_fin_side = m_sender_side;
      } else if (!m_sender.received_peer_fin) {
        // 3.6, figure 13: this FIN left before the peer's FIN arrived.
        m_connection.simultaneous_close = true;
        m_recorder.note(m_connection, Note::simultaneous_close, m_sender_side, m_cause,
                        "FINs crossed: both endpoints closed before hearing the other");
      }
    }
    if (m_sender.fin_transmissions < 255) {
      m_sender.fin_transmissions++;
    }
    note_control_transmission();
    m_recorder.apply(m_connection, m_sender_side, Stimulus::send_fin, m_cause);
  }

  void send_rst() {
    const TcpState before = m_sender.state;
    if (before == TcpState::syn_sent) {
      // 3.10.7.3: the answer to an unacceptable ACK (one for an older incarnation, say);
      // the open goes on and nothing is closed.
      m_sender.sent_rst = true;
      return;
    }
    const bool had_connection = before != TcpState::closed || m_sender.closed_by_received_rst;
    if (!m_connection.has_rst) {
      m_connection.has_rst = true;
      m_connection.rst_sender = m_sender_side;
    } else if (m_connection.rst_sender != m_sender_side) {
      m_connection.rst_from_both = true;
    }
    // Every earlier RST of this endpoint was proved lost (the peer kept sending after
    // each): the path drops them, so this one is not taken as delivered either.
    m_rst_on_lost_path = m_sender.sent_rst && m_sender.rst_loss_proved && !m_sender.rst_unproved;
    m_sender.sent_rst = true;
    m_sender.rst_unproved = true;
    m_recorder.apply(m_connection, m_sender_side, Stimulus::send_rst, m_cause);
    judge_rst(before, had_connection);
  }

  // What a RST says about how the connection ended.
  void judge_rst(TcpState sender_before, bool sender_had_connection) {
    const std::string who(side_name(m_sender_side));
    const bool peer_synchronized = is_synchronized(m_receiver.state);
    if (!sender_had_connection && peer_synchronized && m_sender.sent_anything) {
      // 3.10.7.1: a RST from an endpoint with no such connection, to a peer that still
      // has one.
      m_recorder.raise(m_connection, Anomaly::half_open, m_sender_side, m_cause,
                       rst_from_lost_connection(m_sender_side, m_receiver.state));
      return;
    }
    if (!is_synchronized(sender_before) && !is_synchronized(m_receiver.state)) {
      return; // a refused or aborted handshake, judged elsewhere
    }
    // 3.10.7.1: a host with no such connection answers a segment carrying an ACK with a
    // RST without ACK whose sequence number is that ACK. Stacks aborting a connection they
    // do have (close with SO_LINGER 0, or with unread data) send RST with ACK instead.
    // With the peer unseen, its ACK is known only as far as the sender's own sequence
    // space: a peer that had everything acknowledged up to the sender's next sequence number.
    const std::uint32_t peer_ack = m_receiver.sent_ack       ? m_receiver.highest_ack
                                   : m_receiver.packets == 0 ? m_sender.next_seq
                                                             : m_segment.seq + 1;
    const bool no_connection_reply =
        !m_segment.has(flag::ack) && !m_sender.sent_fin && m_segment.seq == peer_ack;
    if (no_connection_reply && peer_synchronized) {
      m_recorder.raise(m_connection, Anomaly::half_open, m_sender_side, m_cause,
                       bare_rst_from_lost_connection(m_sender_side, m_receiver.state));
      return;
    }
    const bool active_closer = m_sender.sent_fin && m_connection.first_fin_side == m_sender_side;
    if (active_closer) {
      m_recorder.raise(m_connection, Anomaly::missing_time_wait, m_sender_side, m_cause,
                       active_closer_rst(m_sender_side, sender_before));
    } else if (!m_sender.sent_fin) {
      m_recorder.raise(m_connection, Anomaly::rst_instead_of_fin, m_sender_side, m_cause,
                       abort_by_rst(m_sender_side, sender_before));
    } else if (m_receiver.state == TcpState::time_wait) {
      m_recorder.raise(m_connection, Anomaly::missing_time_wait, m_sender_side, m_cause,
                       who + " sent RST that ends its peer's TIME_WAIT");
    }
  }

  void deliver_rst() {
    if (!rst_acceptable() || m_rst_on_lost_path) {
      return;
    }
    const TcpState before = m_receiver.state;
    if (before == TcpState::closed) {
      return;
    }
    if (before == TcpState::syn_sent && !m_receiver.reached_established) {
      m_connection.refused = true;
      m_recorder.raise(m_connection, Anomaly::refused, m_sender_side, m_cause,
                       std::string(side_name(m_sender_side)) + " answered the SYN with RST");
    }
    m_receiver.state_before_rst = before;
    m_receiver.closed_by_received_rst = true;
    m_recorder.apply(m_connection, m_receiver_side, Stimulus::receive_rst, m_cause);
  }

  // RFC 9293 3.10.7.3: in SYN_SENT a RST counts only when it acknowledges our SYN. In the
  // other states it must fall in the receive window (3.10.7.4, RFC 5961 3.2); the
  // receiver's highest ACK stands for RCV.NXT.
  bool rst_acceptable() const {
    if (m_receiver.state == TcpState::syn_sent) {
      return m_segment.has(flag::ack) && m_segment.ack == m_receiver.isn + 1;
    }
    if (!m_receiver.sent_ack) {
      return true;
    }
    const std::int32_t offset = seq_distance(m_receiver.highest_ack, m_segment.seq);
    const std::int32_t window = std::int32_t{1} << 30;
    return offset >= -1 && offset < window;
  }

  void deliver_to_receiver() {
    // RFC 9293 3.10.7.4 processes the ACK field before the FIN bit.
    if (m_segment.has(flag::ack)) {
      deliver_ack();
    }
    if (m_segment.has(flag::fin)) {
      deliver_fin();
    }
  }

  void deliver_ack() {
    const std::uint32_t ack = m_segment.ack;
    if (m_receiver.sent_syn && !m_receiver.syn_acked &&
        seq_after_or_equal(ack, m_receiver.isn + 1) &&
        (m_receiver.state == TcpState::syn_sent || m_receiver.state == TcpState::syn_received)) {
      if (m_receiver.state == TcpState::syn_sent &&
          (!m_segment.has(flag::syn) || m_receiver.deaf_to_syn_ack)) {
        return; // 3.10.7.3: in SYN_SENT an ACK without SYN is dropped
      }
      if (m_receiver.held_ack == HeldAck::ack_of_syn && !m_segment.has(flag::syn)) {
        m_receiver.held_ack_arrived = true;
      } else {
        m_receiver.syn_acked = true;
        if (m_receiver_side == Side::server && m_connection.client().sent_syn &&
            m_connection.handshake_rtt == 0) {
          m_connection.handshake_rtt =
              m_cause.time - m_connection.moments(Side::client).first_syn_time;
        }
        m_recorder.apply(m_connection, m_receiver_side,
                         m_segment.has(flag::syn) ? Stimulus::receive_syn_ack
                                                  : Stimulus::receive_ack_of_syn,
                         m_cause);
      }
    }
    if (m_receiver.sent_fin && !m_receiver.fin_acked &&
        seq_after_or_equal(ack, m_receiver.fin_seq + 1)) {
      if (m_receiver.held_ack == HeldAck::ack_of_fin) {
        m_receiver.held_ack_arrived = true;
      } else {
        m_receiver.fin_acked = true;
        m_recorder.apply(m_connection, m_receiver_side, Stimulus::receive_ack_of_fin, m_cause);
      }
    }
  }

  void deliver_fin() {
    if (m_receiver.received_peer_fin) {
      // A repeated FIN in TIME_WAIT is acknowledged and restarts the 2*MSL timer (3.6).
      if (m_receiver.state == TcpState::time_wait) {
        m_receiver_moments.wait_state_since = m_cause.time;
      }
      return;
    }
    m_receiver.received_peer_fin = true;
    m_recorder.apply(m_connection, m_receiver_side, Stimulus::receive_fin, m_cause);
  }

  void release_held_ack(Side side, std::string_view reason) {
    Endpoint& endpoint = m_connection.endpoint(side);
    const HeldAck kind = endpoint.held_ack;
    endpoint.held_ack = HeldAck::none;
    endpoint.held_ack_arrived = false;
    if (kind == HeldAck::ack_of_syn) {
      endpoint.syn_acked = true;
      m_recorder.set_state(m_connection, side,
                           next_state(endpoint.state, Stimulus::receive_ack_of_syn), reason,
                           m_cause);
    }
  }

  void remember_sent() {
    // A RST's sequence number may be borrowed from the peer's ACK field (3.10.7.1,
    // 3.10.7.3), so it says nothing about what the sender has sent.
    const std::uint32_t end = m_segment.seq + m_segment.sequence_length();
    const bool moves_send_edge = !m_segment.has(flag::rst) || !m_sender.sent_anything;
    if (moves_send_edge && (!m_sender.sent_anything || seq_after(end, m_sender.next_seq))) {
      m_sender.next_seq = end;
    }
    m_sender.sent_anything = true;
    if (m_segment.has(flag::ack) && !m_segment.has(flag::rst)) {
      if (!m_sender.sent_ack || seq_after(m_segment.ack, m_sender.highest_ack)) {
        m_sender.highest_ack = m_segment.ack;
      }
      m_sender.sent_ack = true;
    }
    if (!m_segment.has(flag::rst)) {
      m_sender.last_window = m_segment.window;
    }
  }

  Connection& m_connection;
  Side m_sender_side;
  Side m_receiver_side;
  Endpoint& m_sender;
  Endpoint& m_receiver;
  EndpointMoments& m_sender_moments;
  EndpointMoments& m_receiver_moments;
  const TcpSegment& m_segment;
  Cause m_cause;
  Recorder& m_recorder;
  bool m_rst_on_lost_path = false;
};

} // namespace

bool track_steady_segment(Connection& connection, Side sender_side,
                          const decode::TcpSegment& segment) {
  constexpr std::uint8_t k_steady_flags = flag::ack | flag::psh;
  Endpoint& sender = connection.endpoint(sender_side);
  Endpoint& receiver = connection.endpoint(other(sender_side));
  if ((segment.flags & ~k_steady_flags) != 0 || segment.window == 0 ||
      sender.state != TcpState::established || receiver.state != TcpState::established ||
      sender.closed_by_received_rst || receiver.sent_fin || !sender.sent_anything ||
      segment.seq != sender.next_seq || sender.fin_possible || receiver.fin_possible ||
      sender.packets == 0 ||
      (receiver.sent_anything && seq_after(segment.ack, receiver.next_seq))) {
    return false;
  }
  // What SegmentTracker::run does with such a segment, rule by rule:
  // - count: the capture's two-way tally needs the sender's first captured packet (it
  //   may have sent_anything from an inference before).
  // - classify: no SYN, FIN or RST, and starting at next_seq it has neither the probe
  //   shape (one below next_seq) nor repeats anything, so count() only counts (the
  //   zero-window note needs window 0).
  // - correct_earlier_assumptions: the RST rule needs closed_by_received_rst, the SYN-ACK
  //   and FIN rules need those flags, the rule for an ACK below the peer's FIN needs
  //   the receiver to have sent a FIN, and a FIN candidate needs fin_possible (an
  //   inferred FIN would have taken the sender out of ESTABLISHED).
  // - apply_to_sender: the held-SYN-ACK release needs SYN_RECEIVED, acknowledge_peer_syn
  //   needs SYN_SENT, a capture gap needs an ACK beyond what the receiver was seen to
  //   send, data that settles the receiver's gap as data needs its fin_possible,
  //   acknowledge_peer_fin needs the receiver's FIN, and the inference of the peer's FIN
  //   at this one's needs a FIN.
  // - deliver_ack: the ACK of a SYN needs SYN_SENT or SYN_RECEIVED, the ACK of a FIN
  //   needs the receiver's FIN; there is no FIN or RST to deliver.
  // - remember_sent: as below, for a segment without SYN, FIN or RST.
  count_traffic(sender, receiver, segment);
  const std::uint32_t end = segment.seq + segment.payload_length;
  if (seq_after(end, sender.next_seq)) {
    sender.next_seq = end;
  }
  if (segment.has(flag::ack)) {
    if (!sender.sent_ack || seq_after(segment.ack, sender.highest_ack)) {
      sender.highest_ack = segment.ack;
    }
    sender.sent_ack = true;
  }
  sender.last_window = segment.window;
  return true;
}

void apply_segment_rules(Connection& connection, Side sender, const decode::TcpSegment& segment,
                         Cause cause, Recorder& recorder) {
  SegmentTracker(connection, sender, segment, cause, recorder).run();
}

void track_segment(Connection& connection, Side sender, const decode::TcpSegment& segment,
                   Cause cause, Recorder& recorder) {
  connection.last_seen = cause.time;
  connection.last_packet = cause.packet_number;
  if (!track_steady_segment(connection, sender, segment)) {
    apply_segment_rules(connection, sender, segment, cause, recorder);
  }
}

} // namespace tcpstate::conn
