// The diagnosis on hand-built reports: each kind is raised by what the man page says raises
// it, not below its thresholds and minimum evidence, and findings come most severe first.
#include "tcpstate/diagnosis/diagnose.hpp"
#include "tcpstate/diagnosis/finding.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::diagnosis;
using anomaly::Anomaly;
using conn::TcpState;

namespace {

constexpr TimeNs k_start = 1'714'557'600 * k_ns_per_second;
constexpr TimeNs k_ms = 1'000'000;

IpAddress address(const std::string& text) {
  IpAddress parsed;
  IpAddress::parse(text, parsed);
  return parsed;
}

// A short request/reply connection to 10.0.0.2:80 starting `at`, FIN-closed by `closer`.
conn::ConnectionReport short_connection(std::uint64_t id, TimeNs at, conn::ClosedBy closer,
                                        std::uint16_t client_port) {
  conn::ConnectionReport report;
  report.conn_id = id;
  report.first_seen = at;
  report.last_seen = at + 5 * k_ms;
  const bool server_closes = closer == conn::ClosedBy::server;
  report.endpoints[0] = {address("10.0.0.1"),
                         client_port,
                         server_closes ? TcpState::closed : TcpState::time_wait,
                         6,
                         100,
                         400,
                         0};
  report.endpoints[1] = {address("10.0.0.2"),
                         80,
                         server_closes ? TcpState::time_wait : TcpState::closed,
                         6,
                         900,
                         1200,
                         0};
  report.close = conn::CloseKind::fin;
  report.closed_by = closer;
  return report;
}

struct Fixture {
  DiagnosisInput input;
  CaptureFacts capture;
  DiagnosisConfig config;
  std::vector<conn::Evidence> evidence; // kept alive for the reports' spans

  void add(const conn::ConnectionReport& report) {
    input.add(report);
    ++capture.connections;
    capture.first_packet = capture.first_packet == 0
                               ? report.first_seen
                               : std::min(capture.first_packet, report.first_seen);
    capture.last_packet = std::max(capture.last_packet, report.last_seen);
    capture.tcp_segments += 12;
  }
  std::vector<Finding> run() const { return diagnose(input, capture, config); }
};

const Finding* find(const std::vector<Finding>& findings, Kind kind) {
  const auto found = std::find_if(findings.begin(), findings.end(),
                                  [kind](const Finding& f) { return f.kind == kind; });
  return found == findings.end() ? nullptr : &*found;
}

double metric(const Finding& finding, std::string_view name) {
  for (const Metric& m : finding.metrics) {
    if (m.name == name) {
      return m.value;
    }
  }
  FAIL("no metric ", name);
  return -1;
}

} // namespace

TEST_CASE("healthy traffic makes no finding") {
  Fixture f;
  for (std::uint64_t i = 0; i < 50; ++i) {
    f.add(short_connection(i + 1, k_start + static_cast<TimeNs>(i) * 100 * k_ms,
                           conn::ClosedBy::client, static_cast<std::uint16_t>(40000 + i)));
  }
  CHECK(f.run().empty());
}

TEST_CASE("time_wait_load: a server that closes first, seen at once or implied by the rate") {
  Fixture f;
  f.config.time_wait_threshold = 100;
  // 150 connections over 1.49 s: all their TIME_WAITs overlap.
  for (std::uint64_t i = 0; i < 150; ++i) {
    f.add(short_connection(i + 1, k_start + static_cast<TimeNs>(i) * 10 * k_ms,
                           conn::ClosedBy::server, static_cast<std::uint16_t>(40000 + i)));
  }
  auto findings = f.run();
  const Finding* load = find(findings, Kind::time_wait_load);
  REQUIRE(load != nullptr);
  CHECK(load->subject == "server 10.0.0.2:80");
  CHECK(load->severity == Severity::warning);
  CHECK(metric(*load, "time_wait_peak") == 150);
  CHECK(metric(*load, "closed_first_by_server") == 150);
  // 150 connections over 1.49 s, all closed by the server, held 60 s.
  CHECK(metric(*load, "implied_time_wait") == doctest::Approx(150 / 1.49 * 60).epsilon(0.001));
  CHECK(load->examples == std::vector<std::uint64_t>{1, 2, 3, 4, 5});

  // Below the peak threshold, only the projection: info.
  f.config.time_wait_threshold = 1000;
  findings = f.run();
  load = find(findings, Kind::time_wait_load);
  REQUIRE(load != nullptr);
  CHECK(load->severity == Severity::info);

  // Beyond even the projection: nothing.
  f.config.time_wait_threshold = 100'000;
  CHECK(find(f.run(), Kind::time_wait_load) == nullptr);
}

TEST_CASE("time_wait_load needs --finding-min-connections closes and a measured rate") {
  Fixture f;
  f.config.time_wait_threshold = 1;
  f.config.min_connections = 5;
  for (std::uint64_t i = 0; i < 4; ++i) {
    f.add(short_connection(i + 1, k_start + static_cast<TimeNs>(i) * k_ms, conn::ClosedBy::server,
                           static_cast<std::uint16_t>(40000 + i)));
  }
  CHECK(f.run().empty());
}

TEST_CASE("ephemeral_port_pressure counts distinct ports within 2*MSL against the range") {
  Fixture f;
  f.config.port_range_low = 40000;
  f.config.port_range_high = 40099; // 100 ports
  for (std::uint64_t i = 0; i < 60; ++i) {
    f.add(short_connection(i + 1, k_start + static_cast<TimeNs>(i) * 10 * k_ms,
                           conn::ClosedBy::client, static_cast<std::uint16_t>(40000 + i)));
  }
  auto findings = f.run();
  const Finding* pressure = find(findings, Kind::ephemeral_port_pressure);
  REQUIRE(pressure != nullptr);
  CHECK(pressure->subject == "client 10.0.0.1 to 10.0.0.2:80");
  CHECK(pressure->severity == Severity::warning);
  CHECK(metric(*pressure, "ports_in_2msl") == 60);
  CHECK(metric(*pressure, "percent_of_range") == 60);

  // The same ports spread so that no 2*MSL window holds half of the range: nothing.
  Fixture spread;
  spread.config = f.config;
  for (std::uint64_t i = 0; i < 60; ++i) {
    spread.add(short_connection(i + 1, k_start + static_cast<TimeNs>(i) * 5 * k_ns_per_second,
                                conn::ClosedBy::client, static_cast<std::uint16_t>(40000 + i)));
  }
  CHECK(find(spread.run(), Kind::ephemeral_port_pressure) == nullptr);

  // Linux's default range: 60 ports are nothing.
  f.config = DiagnosisConfig{};
  CHECK(find(f.run(), Kind::ephemeral_port_pressure) == nullptr);
}

TEST_CASE("close_wait_leak: oldest first, growing is an error") {
  Fixture f;
  f.evidence.reserve(4);
  for (std::uint64_t i = 0; i < 4; ++i) {
    conn::ConnectionReport report =
        short_connection(i + 1, k_start + static_cast<TimeNs>(i) * k_ns_per_second,
                         conn::ClosedBy::client, static_cast<std::uint16_t>(40000 + i));
    report.close = conn::CloseKind::open;
    report.endpoints[0].state = TcpState::fin_wait_2;
    report.endpoints[1].state = TcpState::close_wait;
    report.anomalies.set(Anomaly::close_wait_leak);
    f.evidence.push_back({Anomaly::close_wait_leak, anomaly::Note::count, 4 * i + 4,
                          report.first_seen + 3 * k_ms, "server stayed in CLOSE_WAIT"});
    report.evidence = std::span(&f.evidence.back(), 1);
    f.add(report);
  }
  // The capture ends 5 s in: at its middle only three had leaked.
  f.capture.last_packet = k_start + 5 * k_ns_per_second;
  const auto findings = f.run();
  REQUIRE(findings.size() == 1);
  const Finding& leak = findings[0];
  CHECK(leak.kind == Kind::close_wait_leak);
  CHECK(leak.severity == Severity::error);
  CHECK(leak.subject == "server 10.0.0.2:80");
  CHECK(metric(leak, "leaked") == 4);
  CHECK(metric(leak, "close_wait_at_end") == 4);
  CHECK(metric(leak, "oldest_age_s") == doctest::Approx(4.997));
  CHECK(metric(leak, "close_wait_at_middle") == 3);
  CHECK(metric(leak, "trend") == 1);
  CHECK(leak.examples.front() == 1);
}

TEST_CASE("handshake failures: refused, unanswered, SYN_RECEIVED piles, floods") {
  Fixture f;
  f.config.min_connections = 3;
  std::uint64_t id = 0;
  const auto add = [&](auto&& shape, int count) {
    for (int i = 0; i < count; ++i) {
      ++id;
      conn::ConnectionReport report =
          short_connection(id, k_start + static_cast<TimeNs>(id) * k_ms, conn::ClosedBy::none,
                           static_cast<std::uint16_t>(40000 + id));
      report.endpoints[1].port = 443;
      report.endpoints[0].payload_bytes = 0;
      report.endpoints[1].payload_bytes = 0;
      shape(report);
      f.add(report);
    }
  };
  add(
      [](conn::ConnectionReport& r) {
        r.close = conn::CloseKind::refused;
        r.anomalies.set(Anomaly::refused);
      },
      3);
  add(
      [](conn::ConnectionReport& r) {
        r.close = conn::CloseKind::unanswered;
        r.endpoints[0].state = TcpState::syn_sent;
        r.anomalies.set(Anomaly::syn_unanswered);
      },
      3);
  add(
      [](conn::ConnectionReport& r) {
        r.close = conn::CloseKind::open;
        r.endpoints[1].state = TcpState::syn_received;
        r.endpoints[1].retransmits = 2;
      },
      3);
  const auto findings = f.run();
  const Finding* backlog = find(findings, Kind::syn_backlog);
  REQUIRE(backlog != nullptr);
  CHECK(backlog->severity == Severity::error); // SYNs dropped too: the queue is full
  CHECK(metric(*backlog, "syn_received_retransmitting") == 3);
  CHECK(find(findings, Kind::syn_unanswered) != nullptr);
  CHECK(find(findings, Kind::connection_refused) != nullptr);
  CHECK(find(findings, Kind::syn_flood) == nullptr);
  // Most severe first.
  CHECK(findings.front().kind == Kind::syn_backlog);

  // One fewer of each than the minimum: nothing but what rests on its own verdict.
  f.config.min_connections = 4;
  CHECK(f.run().empty());
}

TEST_CASE("abortive_close: the side, the share and the stage") {
  Fixture f;
  for (std::uint64_t i = 0; i < 10; ++i) {
    conn::ConnectionReport report =
        short_connection(i + 1, k_start + static_cast<TimeNs>(i) * k_ms, conn::ClosedBy::server,
                         static_cast<std::uint16_t>(40000 + i));
    if (i < 6) {
      report.close = conn::CloseKind::rst;
      report.endpoints[1].state = TcpState::closed;
      report.anomalies.set(Anomaly::rst_instead_of_fin);
    }
    f.add(report);
  }
  const auto findings = f.run();
  const Finding* aborts = find(findings, Kind::abortive_close);
  REQUIRE(aborts != nullptr);
  CHECK(metric(*aborts, "rst_by_server") == 6);
  CHECK(metric(*aborts, "after_response") == 6);
  CHECK(metric(*aborts, "percent") == 60);

  f.config.min_percent = 61;
  CHECK(find(f.run(), Kind::abortive_close) == nullptr);
}

TEST_CASE("half_open names the side that lost state; one verdict is enough") {
  Fixture f;
  conn::ConnectionReport report = short_connection(1, k_start, conn::ClosedBy::none, 40000);
  report.close = conn::CloseKind::open;
  report.endpoints[0].state = TcpState::established;
  report.endpoints[1].state = TcpState::established;
  report.endpoints[0].retransmits = 4; // the client retransmitted to a server that is gone
  report.anomalies.set(Anomaly::half_open);
  f.add(report);
  const auto findings = f.run();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == Kind::half_open);
  CHECK(metric(findings[0], "lost_by_server") == 1);
}

TEST_CASE("capture_quality when the capture misses what ACKs prove") {
  Fixture f;
  f.add(short_connection(1, k_start, conn::ClosedBy::client, 40000));
  f.capture.missed_segments = 1;
  f.capture.tcp_segments = 999;
  const auto findings = f.run();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == Kind::capture_quality);
  CHECK(findings[0].severity == Severity::info);
  f.capture.tcp_segments = 1000; // one in a thousand is within tolerance
  CHECK(f.run().empty());
}

TEST_CASE("kinds, severities and metric text") {
  for (std::size_t i = 0; i < k_kind_count; ++i) {
    const KindInfo& kind = info(static_cast<Kind>(i));
    CHECK(kind.id == static_cast<Kind>(i));
    CHECK_FALSE(kind.name.empty());
    CHECK_FALSE(kind.explanation.empty());
    CHECK_FALSE(kind.remedies[0].empty());
  }
  Severity severity{};
  CHECK(parse_severity("warning", severity));
  CHECK(severity == Severity::warning);
  CHECK_FALSE(parse_severity("fatal", severity));
  CHECK(metric_text(12) == "12");
  CHECK(metric_text(12.25) == "12.3");
  CHECK(metric_text(0.04) == "0");
}

TEST_CASE("counted findings need --finding-min-percent of the server's connections too") {
  Fixture f;
  for (std::uint64_t i = 0; i < 100; ++i) {
    conn::ConnectionReport report =
        short_connection(i + 1, k_start + static_cast<TimeNs>(i) * k_ms, conn::ClosedBy::client,
                         static_cast<std::uint16_t>(40000 + i));
    if (i < 6) {
      report.close = conn::CloseKind::refused;
      report.anomalies.set(Anomaly::refused);
    }
    f.add(report);
  }
  // 6 refused of 100: enough connections, too small a share.
  CHECK(find(f.run(), Kind::connection_refused) == nullptr);
  f.config.min_percent = 6;
  const auto findings = f.run();
  const Finding* refused = find(findings, Kind::connection_refused);
  REQUIRE(refused != nullptr);
  CHECK(metric(*refused, "refused") == 6);
  CHECK(metric(*refused, "percent") == 6);
}
