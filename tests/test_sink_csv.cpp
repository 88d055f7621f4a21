#include "sink_test_reports.hpp"

#include "tcpstate/sink/summary.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace tcpstate;
using namespace tcpstate::sink;
using namespace tcpstate::sink::test;

namespace {

constexpr std::string_view k_header =
    "conn_id,first_seen,last_seen,duration_s,client_addr,client_port,server_addr,server_port,"
    "client_state,server_state,close,closed_by,client_packets,server_packets,client_bytes,"
    "server_bytes,client_retransmits,server_retransmits,anomalies,notes,zeek_conn_state,"
    "zeek_history,zeek_missed_bytes,client_handshake_rtt_s,server_handshake_rtt_s,"
    "client_data_rtt_s,server_data_rtt_s,client_data_rtt_samples,server_data_rtt_samples\n";

constexpr std::string_view k_clean_row =
    "1,2024-05-01T10:00:00.123456Z,2024-05-01T10:00:02.500000Z,2.376543,10.0.0.1,43210,"
    "10.0.0.2,80,TIME_WAIT,CLOSED,fin,client,12,10,300,5000,0,1,,,,,0,,,,,0,0\n";

constexpr std::string_view k_anomalous_row =
    "7,2024-05-01T10:00:00.000000Z,2024-05-01T10:01:01.000250Z,61.000250,2001:db8::1,51000,"
    "2001:db8::2,443,FIN_WAIT_2,CLOSE_WAIT,open,client,4,3,0,10,0,2,"
    "half_open;close_wait_leak,midstream,,,0,,,,,0,0\n";

std::string joined(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (const std::string_view part : parts) {
    text += part;
  }
  return text;
}

} // namespace

TEST_CASE("csv connections: header, then one row per connection") {
  const auto anomalous = anomalous_report();
  const std::string out = run_sink({Format::csv, View::connections, true},
                                   {clean_report(), anomalous.report}, {state_event()});
  CHECK(out == joined({k_header, k_clean_row, k_anomalous_row}));
}

TEST_CASE("csv --no-header drops only the header") {
  const std::string out = run_sink({Format::csv, View::connections, false}, {clean_report()});
  CHECK(out == k_clean_row);
}

TEST_CASE("csv with no connections is still a table") {
  CHECK(run_sink({Format::csv, View::connections, true}, {}) == k_header);
  CHECK(run_sink({Format::csv, View::connections, false}, {}).empty());
}

TEST_CASE("csv anomalies_only keeps just the anomalous rows") {
  const auto anomalous = anomalous_report();
  const std::string out = run_sink({Format::csv, View::anomalies_only, true},
                                   {clean_report(), anomalous.report, clean_report()});
  CHECK(out == joined({k_header, k_anomalous_row}));
}

TEST_CASE("csv events: one row per event, free text quoted") {
  const auto anomalous = anomalous_report();
  const std::string out =
      run_sink({Format::csv, View::events, true}, {clean_report(), anomalous.report},
               {state_event(), anomaly_event()});
  CHECK(out == "packet,time,conn_id,client_addr,client_port,server_addr,server_port,kind,side,"
               "from_state,to_state,name,reason\n"
               "3,2024-05-01T10:00:00.000005Z,1,10.0.0.1,43210,10.0.0.2,80,state_change,server,"
               "SYN_RECEIVED,ESTABLISHED,,received ACK of SYN\n"
               "9,2024-05-01T10:00:00.000005Z,1,10.0.0.1,43210,10.0.0.2,80,anomaly,client,,,"
               "rst_instead_of_fin,\"RST, then nothing\"\n");
}

TEST_CASE("csv summary is one long-format table") {
  Summary summary;
  summary.add(clean_report());
  summary.add(anomalous_report().report);
  summary.capture.packets_read = 100;
  summary.capture.packets_filtered = 7;
  summary.capture.tcp_segments = 90;
  summary.capture.skipped[static_cast<std::size_t>(decode::SkipReason::truncated_ip)] = 3;
  summary.capture.first_packet = k_base_time;
  summary.capture.last_packet = k_base_time + 61 * k_ns_per_second;
  summary.capture_missed_segments = 4;
  summary.capture_missed_bytes = 2900;
  summary.one_sided_connections = 1;

  const std::string out =
      run_sink({Format::csv, View::summary, true}, {clean_report()}, {state_event()}, summary);
  CHECK(out.starts_with("section,key,metric,value\n"
                        "capture,,packets_read,100\n"
                        "capture,,packets_filtered,7\n"
                        "capture,,tcp_segments,90\n"
                        "capture,,timestamps_out_of_order,0\n"
                        "capture,,input_errors,0\n"
                        "capture,,first_packet,2024-05-01T10:00:00.000000Z\n"
                        "capture,,last_packet,2024-05-01T10:01:01.000000Z\n"
                        "capture,,span_s,61.000000\n"
                        "capture,,connections,2\n"
                        "capture,,connections_with_anomalies,1\n"
                        "capture,,capture_missed_segments,4\n"
                        "capture,,capture_missed_bytes,2900\n"
                        "capture,,one_sided_connections,1\n"
                        "skipped,,unsupported_link,0\n"));
  CHECK(out.find("\nskipped,,truncated_ip,3\n") != std::string::npos);
  CHECK(out.find("\nclose,,fin,1\nclose,,rst,0\n") != std::string::npos);
  CHECK(out.find("\nstate,client,TIME_WAIT,1\n") != std::string::npos);
  CHECK(out.find("\nstate,server,CLOSE_WAIT,1\n") != std::string::npos);
  CHECK(out.find("\nanomaly,,half_open,1\n") != std::string::npos);
  CHECK(out.find("\nnote,,midstream,1\n") != std::string::npos);
  CHECK(out.ends_with("server,[2001:db8::2]:443,connections,1\n"
                      "server,[2001:db8::2]:443,anomalous,1\n"
                      "server,[2001:db8::2]:443,close_wait_leaks,1\n"
                      "server,[2001:db8::2]:443,rst_closes,0\n"
                      "server,[2001:db8::2]:443,refused,0\n"
                      "server,[2001:db8::2]:443,syn_received,0\n"
                      "server,[2001:db8::2]:443,syn_unanswered,0\n"
                      "server,[2001:db8::2]:443,syn_flood,0\n"));
  // 13 capture, 13 skip reasons, 6 close kinds, 22 states, 8 anomalies, 6 notes,
  // 2 servers x 8 metrics, and the header.
  CHECK(std::count(out.begin(), out.end(), '\n') == 1 + 13 + 13 + 6 + 22 + 8 + 8 + 16);
  // No connection or event rows slipped in.
  CHECK(out.find("TIME_WAIT,CLOSED") == std::string::npos);

  const std::string headless = run_sink({Format::csv, View::summary, false}, {}, {}, summary);
  CHECK(headless.starts_with("capture,,packets_read,100\n"));
}

TEST_CASE("csv summary of an empty run leaves the capture times empty") {
  const std::string out = run_sink({Format::csv, View::summary, true}, {}, {}, Summary{});
  CHECK(out.find("\ncapture,,first_packet,\ncapture,,last_packet,\ncapture,,span_s,\n") !=
        std::string::npos);
}

TEST_CASE("csv round trips: the last six columns, empty when unknown") {
  conn::ConnectionReport report = clean_report();
  report.handshake_rtt = {1'500'000, 0};
  report.data_rtt = {0, 20'250'000};
  report.data_rtt_samples = {0, 7};
  const std::string out = run_sink({Format::csv, View::connections, false}, {report});
  CHECK(out.ends_with(",0,0.001500,,,0.020250,0,7\n"));
}
