#pragma once
// Counts incomplete handshakes per server endpoint over a sliding window. A server with
// more than `threshold` handshakes begun within one window and not (yet) completed is
// under a SYN flood for that stretch of time; connections whose handshake began then and
// never completed are the flood's.
#include "tcpstate/util/flat_map.hpp"
#include "tcpstate/util/ip_address.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <mutex>
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

  // From now on every call takes `lock`: one detector for all the workers of a live
  // --fanout, whose flow hash sends a flooded server's handshakes to every worker.
  void share_between_threads(std::mutex& lock) { m_lock = &lock; }

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
    // The latest handshake start counted. A capture counts them in time order, so it is
    // the current one; workers sharing the detector count theirs a little out of order.
    TimeNs latest = 0;
    std::vector<Interval> floods;
  };

  std::int64_t bucket_of(TimeNs time) const { return time / m_bucket_width; }
  void advance(ServerWindow& window, std::int64_t bucket) const;

  std::mutex* m_lock = nullptr;
  std::uint32_t m_threshold;
  TimeNs m_window;
  TimeNs m_bucket_width;
  // Hashed, not ordered: it is only looked up, two or three times per connection, and a
  // busy capture has tens of thousands of servers (a tree walk missed the cache at every
  // level).
  struct ServerHash {
    std::size_t operator()(const ServerEndpoint& server) const {
      return hash_endpoint(server.address, server.port);
    }
  };
  FlatMap<ServerEndpoint, ServerWindow, ServerHash> m_servers;
};

} // namespace tcpstate::anomaly
