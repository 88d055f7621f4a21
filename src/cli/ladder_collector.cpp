#include "ladder_collector.hpp"

#include <limits>
#include <utility>

namespace tcpstate::cli {
namespace {

constexpr std::size_t k_none = std::numeric_limits<std::size_t>::max();

} // namespace

LadderCollector::LadderCollector(const std::vector<std::uint64_t>& conn_ids, std::size_t packet_cap,
                                 std::size_t total_packet_cap)
    : m_packet_cap(packet_cap), m_total_packet_cap(total_packet_cap) {
  m_ladders.resize(conn_ids.size());
  m_started.resize(conn_ids.size());
  for (std::size_t i = 0; i < conn_ids.size(); ++i) {
    m_ladders[i].conn_id = conn_ids[i];
    m_by_id.emplace(conn_ids[i], i);
  }
}

LadderCollector::LadderCollector(const conn::ConnectionKey& tuple, std::size_t packet_cap)
    : m_tuple(tuple), m_packet_cap(packet_cap),
      m_total_packet_cap(std::numeric_limits<std::size_t>::max()) {}

std::size_t LadderCollector::ladder_for(const conn::Event& event) {
  const auto found = m_by_id.find(event.conn_id);
  if (found != m_by_id.end()) {
    return found->second;
  }
  if (m_tuple && m_ladders.empty() &&
      conn::key_between(event.client_address, event.client_port, event.server_address,
                        event.server_port) == *m_tuple) {
    m_ladders.emplace_back().conn_id = event.conn_id;
    m_started.push_back(false);
    m_by_id.emplace(event.conn_id, 0);
    return 0;
  }
  return k_none;
}

void LadderCollector::on_event(const conn::Event& event) {
  const std::size_t index = ladder_for(event);
  if (index == k_none) {
    return;
  }
  sink::Ladder& ladder = m_ladders[index];
  if (!m_started[index]) {
    // A connection's first packet always makes an event (a state change or the midstream
    // note), so its four-tuple is known before the packet is handed to after_segment.
    m_started[index] = true;
    ladder.client_address = event.client_address;
    ladder.client_port = event.client_port;
    ladder.server_address = event.server_address;
    ladder.server_port = event.server_port;
    m_active[conn::key_between(event.client_address, event.client_port, event.server_address,
                               event.server_port)] = index;
  }
  if (ladder.events.size() >= k_event_cap) {
    return;
  }
  sink::LadderEvent& copy = ladder.events.emplace_back();
  copy.kind = event.kind;
  copy.packet_number = event.packet_number;
  // A packet's events come before after_segment keeps it: this is the index it is kept at.
  copy.packet_index = ladder.packets.size();
  copy.time = event.time;
  copy.side = event.side;
  copy.from = event.from;
  copy.to = event.to;
  copy.anomaly = event.anomaly;
  copy.note = event.note;
  copy.reason = std::string(event.reason);
}

void LadderCollector::on_report(const conn::ConnectionReport& report) {
  ++m_connections_seen;
  const auto found = m_by_id.find(report.conn_id);
  if (found == m_by_id.end()) {
    return;
  }
  sink::Ladder& ladder = m_ladders[found->second];
  if (ladder.reported) {
    return;
  }
  ladder.reported = true;
  ++m_finished;
  ladder.final_states = {report.client().state, report.server().state};
  ladder.close = report.close;
  ladder.closed_by = report.closed_by;
  ladder.anomalies = report.anomalies;
  ladder.notes = report.notes;
  // Later packets on the four-tuple belong to a later incarnation.
  const conn::ConnectionKey tuple = conn::key_between(
      report.client().address, report.client().port, report.server().address, report.server().port);
  const auto active = m_active.find(tuple);
  if (active != m_active.end() && active->second == found->second) {
    m_active.erase(active);
  }
}

void LadderCollector::after_segment(const decode::TcpSegment& segment, TimeNs clock,
                                    std::uint64_t packet_number) {
  if (m_active.empty()) {
    return;
  }
  const auto found = m_active.find(
      conn::key_between(segment.src, segment.src_port, segment.dst, segment.dst_port));
  if (found == m_active.end()) {
    return;
  }
  sink::Ladder& ladder = m_ladders[found->second];
  ++ladder.packets_seen;
  if (ladder.packets.size() >= m_packet_cap || m_total_packets >= m_total_packet_cap) {
    return;
  }
  ++m_total_packets;
  sink::LadderPacket& packet = ladder.packets.emplace_back();
  packet.number = packet_number;
  packet.time = clock;
  packet.from_client =
      segment.src == ladder.client_address && segment.src_port == ladder.client_port;
  packet.flags = segment.flags;
  packet.seq = segment.seq;
  packet.ack = segment.ack;
  packet.payload = segment.payload_length;
  packet.window = segment.window;
}

bool LadderCollector::wants_more() const {
  return m_ladders.empty() || m_finished < m_ladders.size();
}

std::vector<sink::Ladder> LadderCollector::take() {
  std::vector<sink::Ladder> found;
  for (std::size_t i = 0; i < m_ladders.size(); ++i) {
    if (m_started[i]) {
      found.push_back(std::move(m_ladders[i]));
    }
  }
  return found;
}

} // namespace tcpstate::cli
