#pragma once
// Counts incomplete handshakes per server endpoint over a sliding window. A server with
// more than `threshold` handshakes begun within one window and not (yet) completed is
// under a SYN flood for that stretch of time; connections whose handshake began then and
// never completed are the flood's.
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <map>
#include <vector>

namespace tcpstate::anomaly {

struct ServerEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
  friend auto operator<=>(const ServerEndpoint&, const ServerEndpoint&) = default;
};

class SynFloodDetector {
public:
  SynFloodDetector(std::uint32_t threshold, TimeNs window);

  void handshake_started(const ServerEndpoint& server, TimeNs time);
  void handshake_completed(const ServerEndpoint& server, TimeNs started);
  // Was `server` flooded at `time`?
  bool flooded_at(const ServerEndpoint& server, TimeNs time) const;

private:
  static constexpr std::size_t k_buckets = 16;
  struct Interval {
    TimeNs begin;
    TimeNs end;
  };
  struct ServerWindow {
    std::int64_t newest_bucket = 0; // absolute bucket index of counts' newest entry
    std::uint32_t counts[k_buckets] = {};
    std::uint64_t in_window = 0;
    std::vector<Interval> floods;
  };

  std::int64_t bucket_of(TimeNs time) const { return time / m_bucket_width; }
  void advance(ServerWindow& window, std::int64_t bucket) const;

  std::uint32_t m_threshold;
  TimeNs m_window;
  TimeNs m_bucket_width;
  std::map<ServerEndpoint, ServerWindow> m_servers;
};

} // namespace tcpstate::anomaly
