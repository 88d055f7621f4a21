#pragma once
// One side of a connection as the capture shows it: its RFC 9293 state and the facts
// about what it sent that later segments are judged against. Sequence numbers are the
// raw 32-bit ones, compared with the wrap-around helpers in util/sequence.hpp.
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/util/time.hpp"

#include <cstddef>
#include <cstdint>

namespace tcpstate::conn {

// An acknowledgment this endpoint was assumed to have received, held back because the
// same acknowledgment was already proved lost once (the endpoint retransmitted what it
// acknowledged). It takes effect when the endpoint shows it got it, or when the capture
// outlasts the endpoint's next retransmission without one.
enum class HeldAck : std::uint8_t { none, ack_of_syn, ack_of_fin };

// What the per-segment path reads and updates: the state, the flags and the sequence
// space, in one cache line. The moments of its handshake and close are EndpointMoments,
// kept apart in the record so that a data segment does not bring them into the cache.
struct Endpoint {
  TcpState state = TcpState::closed;
  // The state before a received RST closed it: restored if the endpoint keeps sending,
  // which proves the RST never arrived.
  TcpState state_before_rst = TcpState::closed;
  HeldAck held_ack = HeldAck::none;
  std::uint8_t syn_transmissions = 0; // saturating
  std::uint8_t fin_transmissions = 0; // saturating

  bool closed_by_received_rst : 1 = false;
  bool sent_syn : 1 = false;
  bool sent_syn_ack : 1 = false; // a SYN with ACK: in a simultaneous open, after a bare SYN
  bool sent_fin : 1 = false;
  bool sent_rst : 1 = false;
  bool sent_anything : 1 = false;
  bool sent_ack : 1 = false;          // highest_ack is meaningful
  bool syn_acked : 1 = false;         // the peer's ACK of our SYN arrived
  bool fin_acked : 1 = false;         // the peer's ACK of our FIN arrived
  bool received_peer_fin : 1 = false; // assumed or proved
  bool acked_peer_fin : 1 = false;    // proved: we sent an ACK covering the peer's FIN
  bool reached_established : 1 = false;
  // A client that never answered a SYN-ACK is not hearing them: later copies do not
  // establish it until it speaks.
  bool deaf_to_syn_ack : 1 = false;
  bool held_ack_arrived : 1 = false; // an ACK of that kind came while held
  // Capture gaps: what the peer's ACKs prove this endpoint sent although the capture does
  // not show it. fin_inferred: its FIN is known only from the peer's ACK of FIN+1;
  // fin_possible: the last uncaptured sequence number may be a FIN or a byte of data, and
  // what follows decides (see segment_tracker.cpp).
  bool fin_inferred : 1 = false;
  bool fin_possible : 1 = false;
  // A lost path stays lost: rst_unproved is set by every RST this endpoint sends and
  // cleared when the peer's traffic proves that RST never arrived; rst_loss_proved says
  // one such proof was seen.
  bool rst_unproved : 1 = false;
  bool rst_loss_proved : 1 = false;

  std::uint16_t last_window = 0;
  std::uint16_t missed_segments = 0; // uncaptured segments proved by the peer (saturating)
  std::uint32_t next_seq = 0;        // one past the highest sequence number sent (SND.MAX)
  std::uint32_t highest_ack = 0;     // highest ACK field sent, valid when sent_ack
  std::uint32_t isn = 0;             // valid when sent_syn
  std::uint32_t fin_seq = 0;         // sequence number of the FIN, valid when sent_fin

  std::uint32_t retransmits = 0;
  // Retransmissions since the peer last sent anything: a run of them to the end of the
  // capture means the peer is gone.
  std::uint32_t unanswered_retransmits = 0;
  std::uint32_t missed_bytes = 0; // payload bytes of those segments (saturating)
  std::uint64_t packets = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t ip_bytes = 0;

  bool operator==(const Endpoint&) const = default;
};
static_assert(sizeof(Endpoint) <= 64);

// When an endpoint's control segments went out and its timers started, and the packets that
// show them: what the timers and the verdicts at the end read, and an established
// connection's data segments never touch. Times stay nanoseconds (pcapng and nanosecond
// pcap carry them, and a connection can outlast any narrower offset); packet numbers stay
// 64-bit (a long live capture passes 2^32).
struct EndpointMoments {
  TimeNs first_syn_time = 0;
  TimeNs first_fin_time = 0;
  // When the endpoint entered TIME_WAIT or FIN_WAIT_2, valid in those states: each has
  // its own timer and an endpoint is never in both, so they share one field.
  TimeNs wait_state_since = 0;
  TimeNs closed_time = 0;         // when it last entered CLOSED
  TimeNs last_control_time = 0;   // last SYN, SYN-ACK or FIN transmission
  TimeNs control_backoff = 0;     // gap between the last two such transmissions
  TimeNs acked_peer_fin_time = 0; // when it first acknowledged the peer's FIN
  TimeNs first_unanswered_time = 0;
  std::uint64_t first_syn_packet = 0;
  std::uint64_t last_control_packet = 0;
  std::uint64_t acked_peer_fin_packet = 0;
  std::uint64_t first_unanswered_packet = 0;

  bool operator==(const EndpointMoments&) const = default;
};

} // namespace tcpstate::conn
