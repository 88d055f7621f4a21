#pragma once
// One connection's packets and events, kept for a ladder diagram (--follow, and the
// anomaly rows of --report), and the rows both renderers draw from it: one row per
// packet with the flags, relative sequence numbers, each endpoint's state after it and
// the anomalies and notes it proved; events without a recorded packet (timers) get a row
// of their own at their time.
#include "tcpstate/anomaly/anomaly.hpp"
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/event.hpp"
#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::sink {

struct LadderPacket {
  std::uint64_t number = 0; // 1-based over the merged capture
  TimeNs time = 0;
  bool from_client = true;
  std::uint8_t flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint32_t payload = 0;
  std::uint16_t window = 0;
};

inline constexpr std::size_t k_unknown_packet = SIZE_MAX;

// conn::Event with its reason copied: the event's string_view does not outlive the call.
struct LadderEvent {
  conn::EventKind kind = conn::EventKind::state_change;
  std::uint64_t packet_number = 0; // 0: a timer
  // Which of the ladder's packets the event came with, when the collector knew: the
  // packets of one frame (an 802.11 A-MSDU aggregate) share its number. Otherwise, or when
  // that packet was not kept, the event goes with the first packet of its number.
  std::size_t packet_index = k_unknown_packet;
  TimeNs time = 0;
  conn::Side side = conn::Side::client;
  conn::TcpState from = conn::TcpState::closed;
  conn::TcpState to = conn::TcpState::closed;
  anomaly::Anomaly anomaly = anomaly::Anomaly::count;
  anomaly::Note note = anomaly::Note::count;
  std::string reason;
};

struct Ladder {
  std::uint64_t conn_id = 0;
  IpAddress client_address;
  std::uint16_t client_port = 0;
  IpAddress server_address;
  std::uint16_t server_port = 0;
  std::vector<LadderPacket> packets; // at most the collector's cap
  std::vector<LadderEvent> events;   // of the packets kept, and timers
  std::uint64_t packets_seen = 0;    // every packet of the connection, kept or not
  // From the connection's report, once it was written out.
  bool reported = false;
  std::array<conn::TcpState, 2> final_states{conn::TcpState::closed, conn::TcpState::closed};
  conn::CloseKind close = conn::CloseKind::open;
  conn::ClosedBy closed_by = conn::ClosedBy::none;
  anomaly::AnomalySet anomalies;
  anomaly::NoteSet notes;

  bool truncated() const { return packets_seen > packets.size(); }
};

struct LadderRow {
  const LadderPacket* packet = nullptr;   // null: an event row without a packet (a timer)
  TimeNs time = 0;                        // since the connection's first packet
  std::string label;                      // "S. seq=0 ack=1 len=0"
  std::array<conn::TcpState, 2> states{}; // after this row, [Side]
  std::array<bool, 2> changed{};
  std::vector<const LadderEvent*> verdicts; // anomalies and notes proved here
  std::vector<const LadderEvent*> changes;  // state changes here (for timer rows' text)
};

// tcpdump's flag letters: "S", "S.", ".", "P.", "F.", "R", "R.", "FP.", "none".
std::string flag_text(std::uint8_t flags);

std::vector<LadderRow> ladder_rows(const Ladder& ladder);

// The ladder as text for a terminal: a header, then one line per row with client state
// on the left and server state on the right; ANSI colours when `color`.
void append_ladder_text(std::string& out, const Ladder& ladder, bool color);

// The ladder as an SVG element, for the report's anomaly rows (ladder_svg.cpp).
void append_ladder_svg(std::string& out, const Ladder& ladder);

} // namespace tcpstate::sink
