#pragma once
// Keeps the packets and events of a few connections for their ladder diagrams, during a
// pass over the inputs: connections named by conn_id (the --report ladders), or the first
// connection on a four-tuple (--follow ADDR:PORT-ADDR:PORT). Everything else is dropped
// as it goes by, so memory follows the followed connections only.
#include "capture_pass.hpp"

#include "tcpstate/conn/connection_key.hpp"
#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/sink/ladder.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tcpstate::cli {

class LadderCollector final : public conn::EventObserver,
                              public conn::ReportReceiver,
                              public SegmentHook {
public:
  // The connections with these ids, in this order.
  LadderCollector(const std::vector<std::uint64_t>& conn_ids, std::size_t packet_cap,
                  std::size_t total_packet_cap);
  // The first connection on this four-tuple.
  LadderCollector(const conn::ConnectionKey& tuple, std::size_t packet_cap);

  void on_event(const conn::Event& event) override;
  void on_report(const conn::ConnectionReport& report) override;
  void after_segment(const decode::TcpSegment& segment, TimeNs clock,
                     std::uint64_t packet_number) override;
  bool wants_more() const override;

  std::uint64_t connections_seen() const { return m_connections_seen; }
  // Ladders of the connections found, in the order asked for.
  std::vector<sink::Ladder> take();

private:
  static constexpr std::size_t k_event_cap = 1000;
  std::size_t ladder_for(const conn::Event& event);

  std::optional<conn::ConnectionKey> m_tuple; // tuple mode
  std::unordered_map<std::uint64_t, std::size_t> m_by_id;
  std::unordered_map<conn::ConnectionKey, std::size_t, conn::ConnectionKeyHash>
      m_active; // connections still open
  std::vector<sink::Ladder> m_ladders;
  std::vector<bool> m_started;
  std::size_t m_packet_cap;
  std::size_t m_total_packet_cap;
  std::size_t m_total_packets = 0;
  std::size_t m_finished = 0;
  std::uint64_t m_connections_seen = 0;
};

} // namespace tcpstate::cli
