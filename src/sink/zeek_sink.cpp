#include "zeek_sink.hpp"

#include "text_format.hpp"
#include "view.hpp"

#include <ctime>
#include <ostream>
#include <string_view>

namespace tcpstate::sink {
namespace {

constexpr std::string_view k_fields =
    "#fields\t_conn_id\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_"
    "p\tproto\tservice\tduration\t"
    "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\t"
    "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n";
constexpr std::string_view k_types =
    "#types\tcount\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\t"
    "string\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

// Zeek's log times: "2026-11-22-04-39-11", UTC.
void append_log_time(std::string& out, TimeNs time) {
  const std::time_t seconds = static_cast<std::time_t>(time / k_ns_per_second);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%d-%H-%M-%S", &parts);
  out.append(text, length);
}

// Epoch seconds with six decimals, as Zeek prints `time` values.
void append_epoch(std::string& out, TimeNs time) {
  if (time < 0) {
    out.push_back('-');
    time = -time;
  }
  append_uint(out, static_cast<std::uint64_t>(time / k_ns_per_second));
  out.push_back('.');
  const auto micros = static_cast<std::uint64_t>((time % k_ns_per_second) / 1000);
  std::string digits;
  append_uint(digits, micros);
  out.append(6 - digits.size(), '0');
  out += digits;
}

std::uint64_t mix(std::uint64_t value) {
  // splitmix64's finaliser: every bit of the input affects every bit of the output.
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

void append_base62(std::string& out, std::uint64_t value, std::size_t digits) {
  constexpr std::string_view k_alphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (std::size_t i = 0; i < digits; ++i) {
    out.push_back(k_alphabet[value % 62]);
    value /= 62;
  }
}

void append_field(std::string& out, std::string_view text) {
  out += text.empty() ? std::string_view("-") : text;
  out.push_back('\t');
}

} // namespace

std::string zeek_uid(std::uint64_t conn_id, std::uint64_t row) {
  // Row 0 is seeded by conn_id alone, so a connection of one row keeps the uid it always had.
  const std::uint64_t seed = conn_id + row * 0x9e3779b97f4a7c15ULL;
  std::string uid = "C";
  append_base62(uid, mix(seed), 9);
  append_base62(uid, mix(seed ^ 0x5a5a5a5a5a5a5a5aULL), 8);
  return uid;
}

ZeekSink::ZeekSink(std::ostream& out, View view, bool header)
    : m_out(out), m_view(view), m_header(header), m_header_due(header) {}

void ZeekSink::write_row() {
  m_out.write(m_row.data(), static_cast<std::streamsize>(m_row.size()));
}

void ZeekSink::append_header(TimeNs open_time) {
  m_row += "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
           "#path\tconn\n#open\t";
  append_log_time(m_row, open_time);
  m_row.push_back('\n');
  m_row += k_fields;
  m_row += k_types;
  m_header_due = false;
}

void ZeekSink::on_connection(const conn::ConnectionReport& report) {
  if (!shows_connection(m_view, report)) {
    return;
  }
  m_row.clear();
  if (m_header_due) {
    append_header(report.first_seen);
  }
  conn::ZeekRow last;
  last.first_seen = report.zeek_first_seen;
  last.last_seen = report.last_seen;
  last.orig = report.zeek_orig;
  last.conn_state = report.zeek_conn_state;
  last.history = report.zeek_history;
  last.orig_bytes = report.zeek_orig_bytes;
  last.resp_bytes = report.zeek_resp_bytes;
  last.missed_bytes = report.zeek_missed_bytes;
  for (std::size_t side = 0; side < last.sent.size(); ++side) {
    conn::ZeekTally& sent = last.sent[side];
    sent = {report.endpoints[side].packets, report.endpoints[side].ip_bytes};
    for (const conn::ZeekRow& earlier : report.zeek_earlier_rows) {
      sent.packets -= earlier.sent[side].packets;
      sent.ip_bytes -= earlier.sent[side].ip_bytes;
    }
  }
  std::uint64_t index = 0;
  for (const conn::ZeekRow& earlier : report.zeek_earlier_rows) {
    append_row(report, earlier, index++);
  }
  append_row(report, last, index);
  write_row();
}

void ZeekSink::append_row(const conn::ConnectionReport& report, const conn::ZeekRow& zeek,
                          std::uint64_t index) {
  const conn::EndpointReport& orig = report.side(zeek.orig);
  const conn::EndpointReport& resp = report.side(conn::other(zeek.orig));
  const conn::ZeekTally& orig_sent = zeek.sent[static_cast<std::size_t>(zeek.orig)];
  const conn::ZeekTally& resp_sent = zeek.sent[static_cast<std::size_t>(conn::other(zeek.orig))];
  std::string& row = m_row;
  append_uint(row, report.conn_id);
  row.push_back('\t');
  append_epoch(row, zeek.first_seen);
  row.push_back('\t');
  row += zeek_uid(report.conn_id, index);
  row.push_back('\t');
  append_address(row, orig.address);
  row.push_back('\t');
  append_uint(row, orig.port);
  row.push_back('\t');
  append_address(row, resp.address);
  row.push_back('\t');
  append_uint(row, resp.port);
  row += "\ttcp\t-\t";
  // Like Zeek, duration and the byte counts are unset for a connection of no duration.
  const TimeNs duration = zeek.last_seen - zeek.first_seen;
  if (duration > 0) {
    append_duration(row, duration);
    row.push_back('\t');
    append_uint(row, zeek.orig_bytes);
    row.push_back('\t');
    append_uint(row, zeek.resp_bytes);
    row.push_back('\t');
  } else {
    row += "-\t-\t-\t";
  }
  append_field(row, zeek.state_text());
  row += "-\t-\t"; // local_orig, local_resp: no Site::local_nets
  append_uint(row, zeek.missed_bytes);
  row.push_back('\t');
  append_field(row, zeek.history_text());
  append_uint(row, orig_sent.packets);
  row.push_back('\t');
  append_uint(row, orig_sent.ip_bytes);
  row.push_back('\t');
  append_uint(row, resp_sent.packets);
  row.push_back('\t');
  append_uint(row, resp_sent.ip_bytes);
  row += "\t-\n";
}

void ZeekSink::on_finish(const Summary& summary) {
  m_row.clear();
  if (!m_header) {
    return;
  }
  if (m_header_due) {
    append_header(summary.capture.first_packet);
  }
  m_row += "#close\t";
  append_log_time(m_row, summary.capture.last_packet);
  m_row.push_back('\n');
  write_row();
}

} // namespace tcpstate::sink
