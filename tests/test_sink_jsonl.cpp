#include "sink_test_reports.hpp"

#include "tcpstate/sink/summary.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace tcpstate;
using namespace tcpstate::sink;
using namespace tcpstate::sink::test;

TEST_CASE("jsonl connections: one object per line, keys in column order") {
  const auto anomalous = anomalous_report();
  const std::string out = run_sink({Format::jsonl, View::connections, true},
                                   {clean_report(), anomalous.report}, {state_event()}, Summary{});
  CHECK(
      out ==
      R"({"conn_id":1,"first_seen":"2024-05-01T10:00:00.123456Z","last_seen":"2024-05-01T10:00:02.500000Z",)"
      R"("duration_s":2.376543,"client_addr":"10.0.0.1","client_port":43210,"server_addr":"10.0.0.2",)"
      R"("server_port":80,"client_state":"TIME_WAIT","server_state":"CLOSED","close":"fin",)"
      R"("closed_by":"client","client_packets":12,"server_packets":10,"client_bytes":300,)"
      R"("server_bytes":5000,"client_retransmits":0,"server_retransmits":1,"anomalies":[],)"
      R"("notes":[],"zeek_conn_state":"","zeek_history":"","zeek_missed_bytes":0,"evidence":[])"
      R"(,"client_handshake_rtt_s":null,"server_handshake_rtt_s":null,"client_data_rtt_s":null,)"
      R"("server_data_rtt_s":null,"client_data_rtt_samples":0,"server_data_rtt_samples":0})"
      "\n"
      R"({"conn_id":7,"first_seen":"2024-05-01T10:00:00.000000Z","last_seen":"2024-05-01T10:01:01.000250Z",)"
      R"("duration_s":61.000250,"client_addr":"2001:db8::1","client_port":51000,)"
      R"("server_addr":"2001:db8::2","server_port":443,"client_state":"FIN_WAIT_2",)"
      R"("server_state":"CLOSE_WAIT","close":"open","closed_by":"client","client_packets":4,)"
      R"("server_packets":3,"client_bytes":0,"server_bytes":10,"client_retransmits":0,)"
      R"("server_retransmits":2,"anomalies":["half_open","close_wait_leak"],"notes":["midstream"],)"
      R"("zeek_conn_state":"","zeek_history":"","zeek_missed_bytes":0,)"
      R"("evidence":[{"name":"half_open","kind":"anomaly","packet":12,)"
      R"("time":"2024-05-01T10:00:00.001000Z","detail":"server \"lost\" state\u0009after RST"},)"
      R"({"name":"midstream","kind":"note","packet":1,"time":"2024-05-01T10:00:00.000000Z",)"
      R"("detail":"no handshake seen"}])"
      R"(,"client_handshake_rtt_s":null,"server_handshake_rtt_s":null,"client_data_rtt_s":null,)"
      R"("server_data_rtt_s":null,"client_data_rtt_samples":0,"server_data_rtt_samples":0})"
      "\n");
}

TEST_CASE("jsonl anomalies_only keeps just the anomalous rows") {
  const auto anomalous = anomalous_report();
  const std::string out = run_sink({Format::jsonl, View::anomalies_only, true},
                                   {clean_report(), anomalous.report, clean_report()});
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  CHECK(out.starts_with(R"({"conn_id":7,)"));
}

TEST_CASE("jsonl evidence without a verdict and with invalid UTF-8 still parses") {
  std::vector<conn::Evidence> evidence(1);
  evidence[0].packet_number = 5;
  evidence[0].time = k_base_time;
  evidence[0].detail = "bad \xff byte";
  conn::ConnectionReport report = clean_report();
  report.evidence = evidence;
  const std::string out = run_sink({Format::jsonl, View::connections, true}, {report});
  CHECK(out.ends_with(R"("evidence":[{"name":null,"kind":null,"packet":5,)"
                      R"("time":"2024-05-01T10:00:00.000000Z","detail":"bad \ufffd byte"}],)"
                      R"("client_handshake_rtt_s":null,"server_handshake_rtt_s":null,)"
                      R"("client_data_rtt_s":null,"server_data_rtt_s":null,)"
                      R"("client_data_rtt_samples":0,"server_data_rtt_samples":0})"
                      "\n"));
}

TEST_CASE("jsonl events: state fields and name are null where they do not apply") {
  conn::Event note = state_event();
  note.kind = conn::EventKind::note;
  note.note = anomaly::Note::keepalive;
  note.reason = "";
  const std::string out = run_sink({Format::jsonl, View::events, true}, {clean_report()},
                                   {state_event(), anomaly_event(), note});
  CHECK(out ==
        R"({"packet":3,"time":"2024-05-01T10:00:00.000005Z","conn_id":1,"client_addr":"10.0.0.1",)"
        R"("client_port":43210,"server_addr":"10.0.0.2","server_port":80,"kind":"state_change",)"
        R"("side":"server","from_state":"SYN_RECEIVED","to_state":"ESTABLISHED","name":null,)"
        R"("reason":"received ACK of SYN"})"
        "\n"
        R"({"packet":9,"time":"2024-05-01T10:00:00.000005Z","conn_id":1,"client_addr":"10.0.0.1",)"
        R"("client_port":43210,"server_addr":"10.0.0.2","server_port":80,"kind":"anomaly",)"
        R"("side":"client","from_state":null,"to_state":null,"name":"rst_instead_of_fin",)"
        R"("reason":"RST, then nothing"})"
        "\n"
        R"({"packet":3,"time":"2024-05-01T10:00:00.000005Z","conn_id":1,"client_addr":"10.0.0.1",)"
        R"("client_port":43210,"server_addr":"10.0.0.2","server_port":80,"kind":"note",)"
        R"("side":"server","from_state":null,"to_state":null,"name":"keepalive","reason":""})"
        "\n");
}

TEST_CASE("jsonl summary is a single object line, only with --summary") {
  Summary summary;
  summary.add(clean_report());
  summary.capture.packets_read = 20;
  summary.capture.tcp_segments = 19;
  summary.capture.skipped[static_cast<std::size_t>(decode::SkipReason::non_tcp)] = 1;
  summary.capture.first_packet = k_base_time;
  summary.capture.last_packet = k_base_time + 2'500'000'000;
  summary.capture.input_errors.emplace_back("b.pcap: \"truncated\" record");
  summary.capture_missed_segments = 1;
  summary.capture_missed_bytes = 1;

  CHECK(run_sink({Format::jsonl, View::connections, true}, {}, {}, summary).empty());
  CHECK(run_sink({Format::jsonl, View::events, true}, {}, {}, summary).empty());

  const std::string out =
      run_sink({Format::jsonl, View::summary, true}, {clean_report()}, {state_event()}, summary);
  CHECK(
      out ==
      R"({"type":"summary","capture":{"packets_read":20,"packets_filtered":0,"tcp_segments":19,)"
      R"("timestamps_out_of_order":0,"input_errors":["b.pcap: \"truncated\" record"],)"
      R"("first_packet":"2024-05-01T10:00:00.000000Z","last_packet":"2024-05-01T10:00:02.500000Z",)"
      R"("span_s":2.500000,"connections":1,"connections_with_anomalies":0,)"
      R"("capture_missed_segments":1,"capture_missed_bytes":1,"one_sided_connections":0},)"
      R"("skipped":{"unsupported_link":0,"truncated_link":0,"non_ip":0,"truncated_ip":0,)"
      R"("bad_ip_header":0,"ip_fragment":0,"bad_ipv6_extension":0,"non_tcp":1,"truncated_tcp":0,)"
      R"("bad_tcp_header":0,"bad_checksum":0,"unsupported_encapsulation":0,"encrypted":0},)"
      R"("close":{"fin":1,"rst":0,"refused":0,"unanswered":0,"open":0,"evicted":0},)"
      R"("states":{"client":{"CLOSED":0,"LISTEN":0,"SYN_SENT":0,"SYN_RECEIVED":0,"ESTABLISHED":0,)"
      R"("FIN_WAIT_1":0,"FIN_WAIT_2":0,"CLOSE_WAIT":0,"CLOSING":0,"LAST_ACK":0,"TIME_WAIT":1},)"
      R"("server":{"CLOSED":1,"LISTEN":0,"SYN_SENT":0,"SYN_RECEIVED":0,"ESTABLISHED":0,)"
      R"("FIN_WAIT_1":0,"FIN_WAIT_2":0,"CLOSE_WAIT":0,"CLOSING":0,"LAST_ACK":0,"TIME_WAIT":0}},)"
      R"("anomalies":{"half_open":0,"rst_instead_of_fin":0,"missing_time_wait":0,)"
      R"("close_wait_leak":0,"last_ack_stuck":0,"refused":0,"syn_unanswered":0,"syn_flood":0},)"
      R"("notes":{"midstream":0,"simultaneous_open":0,"simultaneous_close":0,"tuple_reuse":0,)"
      R"("keepalive":0,"zero_window":0,"capture_gap":0,"one_sided":0},)"
      R"("servers":[{"server":"10.0.0.2:80","address":"10.0.0.2","port":80,"connections":1,)"
      R"("anomalous":0,"close_wait_leaks":0,"rst_closes":0,"refused":0,"syn_received":0,)"
      R"("syn_unanswered":0,"syn_flood":0}]})"
      "\n");
}

TEST_CASE("jsonl summary of an empty run has null capture times") {
  const std::string out = run_sink({Format::jsonl, View::summary, true}, {}, {}, Summary{});
  CHECK(out.find(R"("first_packet":null,"last_packet":null,"span_s":null,)") != std::string::npos);
  CHECK(out.ends_with(R"("servers":[]})"
                      "\n"));
}

TEST_CASE("jsonl round trips: the last keys, null when unknown") {
  conn::ConnectionReport report = clean_report();
  report.handshake_rtt = {0, 2'000'000};
  report.data_rtt = {3'000, 0};
  report.data_rtt_samples = {4, 0};
  const std::string out = run_sink({Format::jsonl, View::connections, true}, {report});
  CHECK(out.ends_with(
      R"("evidence":[],"client_handshake_rtt_s":null,"server_handshake_rtt_s":0.002000,)"
      R"("client_data_rtt_s":0.000003,"server_data_rtt_s":null,)"
      R"("client_data_rtt_samples":4,"server_data_rtt_samples":0})"
      "\n"));
}
