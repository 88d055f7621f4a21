#pragma once
// What a finished connection looks like to the sinks: one row of output. Built when the
// connection is written out, from the reconstructor's compact record.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/conn/zeek_row.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tcpstate::conn {

enum class CloseKind : std::uint8_t { fin, rst, refused, unanswered, open, evicted };
enum class ClosedBy : std::uint8_t { client, server, both, none };

std::string_view close_kind_name(CloseKind kind);
std::string_view closed_by_name(ClosedBy who);

// The packet that proved an anomaly (or a note), with a human reason.
struct Evidence {
  anomaly::Anomaly anomaly = anomaly::Anomaly::count; // count: this is a note's evidence
  anomaly::Note note = anomaly::Note::count;
  std::uint64_t packet_number = 0; // 1-based, over the merged capture
  TimeNs time = 0;
  std::string detail; // e.g. "server retransmitted FIN 3 times, no ACK"
};

struct EndpointReport {
  IpAddress address;
  std::uint16_t port = 0;
  TcpState state = TcpState::closed; // at the end of the capture
  std::uint64_t packets = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t ip_bytes = 0;
  std::uint64_t retransmits = 0;
};

struct ConnectionReport {
  std::uint64_t conn_id = 0;
  TimeNs first_seen = 0;
  TimeNs last_seen = 0;
  std::array<EndpointReport, 2> endpoints; // indexed by Side
  CloseKind close = CloseKind::open;
  ClosedBy closed_by = ClosedBy::none;
  anomaly::AnomalySet anomalies;
  anomaly::NoteSet notes;
  std::span<const Evidence> evidence;

  // Zeek's conn.log view of the same connection (src/conn/zeek_conn.cpp): conn_state and
  // history, NUL-terminated in place so a row needs no allocation; the endpoint Zeek calls
  // the originator (it may differ from the client, e.g. after a '^' flip); and Zeek's
  // sequence-number payload counts (orig_bytes, resp_bytes) and content gaps (missed_bytes).
  std::array<char, 8> zeek_conn_state{};
  std::array<char, 24> zeek_history{};
  Side zeek_orig = Side::client;
  std::uint64_t zeek_orig_bytes = 0;
  std::uint64_t zeek_resp_bytes = 0;
  std::uint64_t zeek_missed_bytes = 0;
  // When Zeek would have logged this connection as several rows: those before the last, in
  // order (nearly always none). The zeek_* fields above are the last row, which began at
  // zeek_first_seen (first_seen when it is the only one).
  std::span<const ZeekRow> zeek_earlier_rows;
  TimeNs zeek_first_seen = 0;
  // What the capture missed of this connection, proved by ACKs (both endpoints; for a
  // one-sided connection, what the unseen side's inferred segments cover).
  std::uint64_t capture_missed_segments = 0;
  std::uint64_t capture_missed_bytes = 0;
  // Round trips at the capture point, per leg ([Side]: the capture point to that endpoint
  // and back); 0 when unknown. handshake_rtt: the server leg SYN -> SYN-ACK, the client
  // leg SYN-ACK -> ACK. data_rtt: the median over data_rtt_samples ACKed segments.
  std::array<TimeNs, 2> handshake_rtt{};
  std::array<TimeNs, 2> data_rtt{};
  std::array<std::uint32_t, 2> data_rtt_samples{};

  const EndpointReport& client() const { return endpoints[0]; }
  const EndpointReport& server() const { return endpoints[1]; }
  const EndpointReport& side(Side s) const { return endpoints[static_cast<std::size_t>(s)]; }
  std::string_view zeek_state_text() const { return zeek_conn_state.data(); }
  std::string_view zeek_history_text() const { return zeek_history.data(); }
};

} // namespace tcpstate::conn
