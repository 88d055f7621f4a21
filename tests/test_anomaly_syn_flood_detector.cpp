// The SYN flood detector on its own: what counts towards the threshold, how the window
// slides, and which stretch of time a flood is said to cover.
#include "tcpstate/anomaly/syn_flood_detector.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <mutex>

namespace {

using tcpstate::IpAddress;
using tcpstate::TimeNs;
using tcpstate::anomaly::ServerEndpoint;
using tcpstate::anomaly::SynFloodDetector;

constexpr TimeNs k_ms = 1'000'000;
constexpr TimeNs k_second = 1'000 * k_ms;

ServerEndpoint server(std::uint16_t port) {
  const std::uint8_t address[4] = {10, 0, 0, 1};
  return {IpAddress::v4(address), port};
}

} // namespace

TEST_CASE("anomaly::SynFloodDetector flags a server only past the threshold") {
  SynFloodDetector floods(3, k_second);
  const ServerEndpoint web = server(80);
  for (TimeNs t = 100 * k_ms; t <= 300 * k_ms; t += 100 * k_ms) {
    floods.handshake_started(web, t);
  }
  CHECK_FALSE(floods.flooded_at(web, 300 * k_ms));

  floods.handshake_started(web, 400 * k_ms);
  // The whole window that holds the excess is the flood's, and nothing after it.
  CHECK(floods.flooded_at(web, 400 * k_ms));
  CHECK(floods.flooded_at(web, 400 * k_ms - k_second));
  CHECK_FALSE(floods.flooded_at(web, 400 * k_ms - k_second - 1));
  CHECK_FALSE(floods.flooded_at(web, 400 * k_ms + 1));
}

TEST_CASE("anomaly::SynFloodDetector keeps servers apart") {
  SynFloodDetector floods(1, k_second);
  floods.handshake_started(server(80), 0);
  floods.handshake_started(server(80), k_ms);
  floods.handshake_started(server(443), 2 * k_ms);
  CHECK(floods.flooded_at(server(80), k_ms));
  CHECK_FALSE(floods.flooded_at(server(443), 2 * k_ms));
  CHECK_FALSE(floods.flooded_at(server(22), k_ms)); // never seen
}

TEST_CASE("anomaly::SynFloodDetector does not count completed handshakes") {
  SynFloodDetector floods(2, k_second);
  const ServerEndpoint web = server(80);
  for (TimeNs t = 0; t < 10 * k_ms; t += k_ms) {
    floods.handshake_started(web, t);
    floods.handshake_completed(web, t);
  }
  floods.handshake_started(web, 20 * k_ms);
  floods.handshake_started(web, 21 * k_ms);
  CHECK_FALSE(floods.flooded_at(web, 21 * k_ms));
  floods.handshake_started(web, 22 * k_ms);
  CHECK(floods.flooded_at(web, 22 * k_ms));

  SUBCASE("a completion for a server never seen changes nothing") {
    floods.handshake_completed(server(443), 22 * k_ms);
    CHECK_FALSE(floods.flooded_at(server(443), 22 * k_ms));
  }
}

TEST_CASE("anomaly::SynFloodDetector forgets handshakes that left the window") {
  SynFloodDetector floods(2, k_second);
  const ServerEndpoint web = server(80);
  // Two a second apart never make three within one window.
  for (TimeNs t = 0; t < 20 * k_second; t += 600 * k_ms) {
    floods.handshake_started(web, t);
  }
  CHECK_FALSE(floods.flooded_at(web, 10 * k_second));

  SUBCASE("a late completion of a forgotten handshake does not cancel a new one") {
    // 16 s is a whole number of windows past 0 s: the same bucket of the ring.
    SynFloodDetector ring(1, k_second);
    ring.handshake_started(web, 0);
    ring.handshake_started(web, 16 * k_second);
    ring.handshake_completed(web, 0);
    ring.handshake_started(web, 16 * k_second + k_ms);
    CHECK(ring.flooded_at(web, 16 * k_second + k_ms));
  }
}

TEST_CASE("anomaly::SynFloodDetector merges overlapping flood windows, not distant ones") {
  SynFloodDetector floods(1, k_second);
  const ServerEndpoint web = server(80);
  floods.handshake_started(web, 10 * k_second);
  floods.handshake_started(web, 10 * k_second + 100 * k_ms);
  floods.handshake_started(web, 10 * k_second + 500 * k_ms);
  floods.handshake_started(web, 20 * k_second);
  floods.handshake_started(web, 20 * k_second + 100 * k_ms);

  CHECK(floods.flooded_at(web, 9 * k_second + 100 * k_ms));
  CHECK(floods.flooded_at(web, 10 * k_second + 500 * k_ms));
  CHECK_FALSE(floods.flooded_at(web, 15 * k_second));
  CHECK(floods.flooded_at(web, 20 * k_second));
  CHECK_FALSE(floods.flooded_at(web, 20 * k_second + 101 * k_ms));
}

TEST_CASE("anomaly::SynFloodDetector keeps every flood when it runs out of intervals") {
  // Each flood is ten seconds after the last; past the kept number of intervals the
  // newest-but-one absorbs the stretch up to the next, so nothing flooded is forgotten
  // and only recent gaps are lost.
  SynFloodDetector floods(1, k_second);
  const ServerEndpoint web = server(80);
  constexpr TimeNs k_floods = 70;
  for (TimeNs i = 0; i < k_floods; ++i) {
    const TimeNs start = i * 10 * k_second;
    floods.handshake_started(web, start);
    floods.handshake_started(web, start + k_ms);
  }
  for (TimeNs i = 0; i < k_floods; ++i) {
    CAPTURE(i);
    CHECK(floods.flooded_at(web, i * 10 * k_second));
  }
  CHECK_FALSE(floods.flooded_at(web, 15 * k_second));  // an early gap stays a gap
  CHECK(floods.flooded_at(web, 635 * k_second));       // a later one is absorbed
  CHECK_FALSE(floods.flooded_at(web, 685 * k_second)); // but not the newest
}

TEST_CASE("anomaly::SynFloodDetector shared by workers covers the latest start counted") {
  std::mutex lock;
  SynFloodDetector floods(3, k_second);
  floods.share_between_threads(lock);
  const ServerEndpoint web = server(80);
  // One worker counted the latest start before another counted the earlier ones that
  // pass the threshold: the flood still reaches the latest.
  floods.handshake_started(web, 400 * k_ms);
  for (TimeNs t = 100 * k_ms; t <= 300 * k_ms; t += 100 * k_ms) {
    floods.handshake_started(web, t);
  }
  CHECK(floods.flooded_at(web, 300 * k_ms));
  CHECK(floods.flooded_at(web, 400 * k_ms));
  CHECK_FALSE(floods.flooded_at(web, 400 * k_ms + 1));
}
