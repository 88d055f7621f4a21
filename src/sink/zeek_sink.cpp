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

std::string zeek_uid(std::uint64_t conn_id) {
  std::string uid = "C";
  append_base62(uid, mix(conn_id), 9);
  append_base62(uid, mix(conn_id ^ 0x5a5a5a5a5a5a5a5aULL), 8);
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
  const conn::EndpointReport& orig = report.side(report.zeek_orig);
  const conn::EndpointReport& resp = report.side(conn::other(report.zeek_orig));
  std::string& row = m_row;
  append_uint(row, report.conn_id);
  row.push_back('\t');
  append_epoch(row, report.first_seen);
  row.push_back('\t');
  row += zeek_uid(report.conn_id);
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
  const TimeNs duration = report.last_seen - report.first_seen;
  if (duration > 0) {
    append_duration(row, duration);
    row.push_back('\t');
    append_uint(row, report.zeek_orig_bytes);
    row.push_back('\t');
    append_uint(row, report.zeek_resp_bytes);
    row.push_back('\t');
  } else {
    row += "-\t-\t-\t";
  }
  append_field(row, report.zeek_state_text());
  row += "-\t-\t"; // local_orig, local_resp: no Site::local_nets
  append_uint(row, report.zeek_missed_bytes);
  row.push_back('\t');
  append_field(row, report.zeek_history_text());
  append_uint(row, orig.packets);
  row.push_back('\t');
  append_uint(row, orig.ip_bytes);
  row.push_back('\t');
  append_uint(row, resp.packets);
  row.push_back('\t');
  append_uint(row, resp.ip_bytes);
  row += "\t-\n";
  write_row();
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
