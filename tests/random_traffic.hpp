#pragma once
// Random traffic on a small pool of four-tuples, for tests that feed two ways of
// reconstructing the same segments and require the same rows (test_conn_embryos.cpp,
// test_conn_sharded_reconstructor.cpp), and a row as one line of text to compare.
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tcpstate::test {

namespace flag = decode::tcp_flag;

using conn::ConnectionReport;
using decode::TcpSegment;

inline std::string describe(const ConnectionReport& report) {
  std::string text = std::to_string(report.conn_id) + " " + std::to_string(report.first_seen) +
                     "-" + std::to_string(report.last_seen);
  for (const auto& endpoint : report.endpoints) {
    text += " [" + endpoint.address.to_string() + ":" + std::to_string(endpoint.port) + " " +
            std::to_string(static_cast<int>(endpoint.state)) + " " +
            std::to_string(endpoint.packets) + "/" + std::to_string(endpoint.payload_bytes) + "/" +
            std::to_string(endpoint.ip_bytes) + "/" + std::to_string(endpoint.retransmits) + "]";
  }
  text += " close=" + std::to_string(static_cast<int>(report.close)) +
          " by=" + std::to_string(static_cast<int>(report.closed_by));
  text += " anomalies=" + std::to_string(report.anomalies.bits()) +
          " notes=" + std::to_string(report.notes.bits());
  for (const auto& evidence : report.evidence) {
    text += " {" + std::to_string(static_cast<int>(evidence.anomaly)) + "," +
            std::to_string(static_cast<int>(evidence.note)) + "," +
            std::to_string(evidence.packet_number) + "," + std::to_string(evidence.time) + "," +
            evidence.detail + "}";
  }
  text += " zeek=" + std::string(report.zeek_state_text()) + "/" +
          std::string(report.zeek_history_text()) + "/" +
          std::to_string(static_cast<int>(report.zeek_orig)) + "/" +
          std::to_string(report.zeek_orig_bytes) + "/" + std::to_string(report.zeek_resp_bytes) +
          "/" + std::to_string(report.zeek_missed_bytes);
  return text;
}

// A small pool of four-tuples, so SYNs often land on tuples in every stage of their life:
// new, embryonic, hatched, finished, reused.
struct Traffic {
  explicit Traffic(std::uint32_t seed) : random(seed) {
    for (const char* text : {"10.0.0.1", "10.0.0.2", "fd00::1", "fd00::2"}) {
      IpAddress address;
      IpAddress::parse(text, address);
      addresses.push_back(address);
    }
  }

  // One segment in eight repeats an earlier SYN exactly, as a stack retransmits a SYN
  // that nothing answered (the embryo keeps such copies).
  TcpSegment next() {
    if (!sent_syns.empty() && pick(8) == 0) {
      return sent_syns[pick(static_cast<std::uint32_t>(sent_syns.size()))];
    }
    TcpSegment segment = fresh();
    if (segment.flags == flag::syn) {
      if (sent_syns.size() == 8) {
        sent_syns.erase(sent_syns.begin());
      }
      sent_syns.push_back(segment);
    }
    return segment;
  }

  TcpSegment fresh() {
    TcpSegment segment;
    const bool v6 = pick(4) == 0;
    const std::size_t base = v6 ? 2 : 0;
    const bool from_client = pick(3) != 0;
    const std::uint16_t client_port = static_cast<std::uint16_t>(40000 + pick(6));
    const std::uint16_t server_port = pick(2) == 0 ? 80 : 443;
    segment.src = addresses[base + (from_client ? 0 : 1)];
    segment.dst = addresses[base + (from_client ? 1 : 0)];
    segment.src_port = from_client ? client_port : server_port;
    segment.dst_port = from_client ? server_port : client_port;
    const std::uint32_t flags_choice = pick(12);
    static constexpr std::uint8_t k_flags[] = {flag::syn,
                                               flag::syn,
                                               flag::syn | flag::ece | flag::cwr,
                                               flag::syn | flag::ack,
                                               flag::ack,
                                               flag::ack | flag::psh,
                                               flag::ack | flag::fin,
                                               flag::rst,
                                               flag::rst | flag::ack,
                                               flag::syn | flag::fin,
                                               flag::psh,
                                               flag::syn | flag::rst};
    segment.flags = k_flags[flags_choice];
    // Sequence numbers from a handful of values, so retransmissions, answers and
    // acknowledgments line up often enough to move states.
    segment.seq = 1000 * static_cast<std::uint32_t>(pick(4)) + static_cast<std::uint32_t>(pick(3));
    segment.ack = 1000 * static_cast<std::uint32_t>(pick(4)) + static_cast<std::uint32_t>(pick(3));
    segment.window = static_cast<std::uint16_t>(pick(2) * 1000);
    segment.payload_length = pick(3) == 0 ? static_cast<std::uint32_t>(pick(200)) : 0;
    if (pick(16) == 0) {
      // About the 16 bits an embryo keeps of each length (an IPv6 jumbogram's go beyond):
      // the payload length fits or not, and the IP length with it or alone.
      segment.payload_length = 65'480 + static_cast<std::uint32_t>(pick(100));
    }
    segment.ip_length = 40 + segment.payload_length;
    if (segment.has(flag::syn)) {
      segment.options.mss = 1460;
      segment.options.window_scale = static_cast<std::uint8_t>(pick(2) * 7);
      segment.options.sack_permitted = pick(2) == 0;
    }
    return segment;
  }

  TimeNs step() {
    switch (pick(20)) {
    case 0:
      return 130 * k_ns_per_second; // past the handshake timeout
    case 1:
      return 7 * k_ns_per_second; // past a short idle limit
    case 2:
      return -static_cast<TimeNs>(pick(3)) * k_ns_per_second; // clock steps back
    case 3:
      // About the 4.29 s after its SYN that an embryo keeps a copy's time for.
      return 4 * k_ns_per_second + static_cast<TimeNs>(pick(600'000'000));
    default:
      return static_cast<TimeNs>(pick(50'000'000));
    }
  }

  std::uint32_t pick(std::uint32_t n) {
    return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(random);
  }

  std::mt19937 random;
  std::vector<IpAddress> addresses;
  std::vector<TcpSegment> sent_syns;
};

} // namespace tcpstate::test
