#pragma once
// Builds the segments of one TCP conversation for reconstructor tests, tracking each
// side's sequence numbers the way a real stack would, so a test reads like a ladder
// diagram: c.syn(), s.syn_ack(), c.ack(), c.data(100), ...
#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/decode/tcp_segment.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::test {

class RecordingReceiver : public conn::ReportReceiver, public conn::EventObserver {
public:
  struct Row {
    conn::ConnectionReport report;
    std::vector<conn::Evidence> evidence;
  };
  void on_report(const conn::ConnectionReport& report) override {
    rows.push_back({report, {report.evidence.begin(), report.evidence.end()}});
    rows.back().report.evidence = rows.back().evidence;
  }
  void on_event(const conn::Event& event) override { events.push_back(event); }
  std::vector<Row> rows;
  std::vector<conn::Event> events;
};

class Conversation {
public:
  struct Peer {
    IpAddress address;
    std::uint16_t port;
    std::uint32_t next_seq;
    std::uint32_t ack = 0; // what this side acknowledges next
  };

  explicit Conversation(conn::AnalysisConfig config = {}, bool with_events = false)
      : m_reconstructor(config, m_receiver, with_events ? &m_receiver : nullptr) {
    IpAddress::parse("10.0.0.1", m_client.address);
    IpAddress::parse("10.0.0.2", m_server.address);
    m_client.port = 40000;
    m_server.port = 80;
    m_client.next_seq = 1000;
    m_server.next_seq = 5000;
  }

  Peer& client() { return m_client; }
  Peer& server() { return m_server; }

  // Sends a segment from `from` at the current time and advances the clock a little.
  decode::TcpSegment segment(Peer& from, Peer& to, std::uint8_t flags, std::uint32_t payload = 0,
                             std::uint16_t window = 65535) {
    decode::TcpSegment s;
    s.src = from.address;
    s.dst = to.address;
    s.src_port = from.port;
    s.dst_port = to.port;
    s.seq = from.next_seq;
    s.ack = (flags & decode::tcp_flag::ack) != 0 ? from.ack : 0;
    s.flags = flags;
    s.window = window;
    s.payload_length = payload;
    s.ip_length = 40 + payload;
    from.next_seq += s.sequence_length();
    // The receiver will acknowledge what it was sent.
    if ((flags & decode::tcp_flag::rst) == 0) {
      to.ack = from.next_seq;
    }
    return s;
  }

  void send(const decode::TcpSegment& s) {
    m_reconstructor.on_segment(s, m_time, ++m_packet);
    m_time += m_step;
  }

  void handshake() {
    send(segment(m_client, m_server, syn));
    send(segment(m_server, m_client, syn | ack));
    send(segment(m_client, m_server, ack));
  }

  void advance(double seconds) { m_time += seconds_to_ns(seconds); }
  TimeNs now() const { return m_time; }

  std::vector<RecordingReceiver::Row>& finish() {
    m_reconstructor.finish(m_time - m_step);
    return m_receiver.rows;
  }
  std::vector<conn::Event>& events() { return m_receiver.events; }
  conn::Reconstructor& reconstructor() { return m_reconstructor; }

  static constexpr std::uint8_t syn = decode::tcp_flag::syn;
  static constexpr std::uint8_t ack = decode::tcp_flag::ack;
  static constexpr std::uint8_t fin = decode::tcp_flag::fin;
  static constexpr std::uint8_t rst = decode::tcp_flag::rst;
  static constexpr std::uint8_t psh = decode::tcp_flag::psh;

private:
  RecordingReceiver m_receiver;
  conn::Reconstructor m_reconstructor;
  Peer m_client{};
  Peer m_server{};
  TimeNs m_time = 1'700'000'000 * k_ns_per_second;
  TimeNs m_step = k_ns_per_second / 1000; // 1 ms between packets
  std::uint64_t m_packet = 0;
};

} // namespace tcpstate::test
