// The ladder as SVG for --report: the same rows as the text ladder (ladder_renderer.cpp),
// client on the left, server on the right, one arrow per packet.
#include "html_text.hpp"
#include "svg_writer.hpp"
#include "text_format.hpp"

#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/sink/ladder.hpp"

#include <utility>

namespace tcpstate::sink {
namespace {

constexpr int k_ladder_width = 980;
constexpr int k_ladder_client_x = 300;
constexpr int k_ladder_server_x = 760;
constexpr int k_ladder_row = 22;
constexpr int k_ladder_drop = 10;
constexpr int k_ladder_top = 44;
constexpr int k_ladder_verdict_x = 120;
constexpr std::size_t k_ladder_verdict_chars = 125; // 11px monospace from x=120 to the edge

} // namespace

void append_ladder_svg(std::string& out, const Ladder& ladder) {
  const std::vector<LadderRow> rows = ladder_rows(ladder);
  std::size_t lines = 0;
  for (const LadderRow& row : rows) {
    lines += 1 + row.verdicts.size();
  }
  const int height = k_ladder_top + static_cast<int>(lines) * k_ladder_row + 24;
  out += "<svg class=\"ladder\" data-conn-id=\"";
  append_uint(out, ladder.conn_id);
  out += "\" data-packets=\"";
  append_uint(out, ladder.packets.size());
  out += "\" viewBox=\"0 0 ";
  append_int(out, k_ladder_width);
  out += ' ';
  append_int(out, height);
  out += "\" width=\"";
  append_int(out, k_ladder_width);
  out += "\" height=\"";
  append_int(out, height);
  out += "\"><defs>";
  for (const auto& [id, color] : {std::pair<std::string_view, std::string_view>{"c", "#1e6fd0"},
                                  {"s", "#8e3ab8"},
                                  {"r", "#d32f2f"}}) {
    out += "<marker id=\"ah-";
    out += id;
    out += "\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"";
    out += color;
    out += "\"/></marker>";
  }
  out += "</defs>";
  std::string text;
  text = "client ";
  append_endpoint(text, ladder.client_address, ladder.client_port);
  out += "<text class=\"h\" x=\"";
  append_int(out, k_ladder_client_x);
  out += "\" y=\"16\" text-anchor=\"middle\">";
  escape_html(out, text);
  out += "</text>";
  text = "server ";
  append_endpoint(text, ladder.server_address, ladder.server_port);
  out += "<text class=\"h\" x=\"";
  append_int(out, k_ladder_server_x);
  out += "\" y=\"16\" text-anchor=\"middle\">";
  escape_html(out, text);
  out += "</text>";
  append_svg_text(out, "m", 8, 34, "#  time (s)");
  const int axis_bottom = height - 20;
  for (const int x : {k_ladder_client_x, k_ladder_server_x}) {
    out += "<line class=\"ax\"";
    append_int_attr(out, "x1", x);
    append_int_attr(out, "y1", 24);
    append_int_attr(out, "x2", x);
    append_int_attr(out, "y2", axis_bottom);
    out += "/>";
  }

  int y = k_ladder_top;
  bool first = true;
  for (const LadderRow& row : rows) {
    text.clear();
    if (row.packet != nullptr) {
      append_uint(text, row.packet->number);
    }
    append_svg_text(out, "m", 8, y + 4, text);
    text.clear();
    append_duration(text, row.time);
    append_svg_text(out, "m", 62, y + 4, text);
    if (row.packet != nullptr) {
      const bool rightwards = row.packet->from_client;
      const bool reset = (row.packet->flags & decode::tcp_flag::rst) != 0;
      out += "<line class=\"";
      out += reset ? "r" : (rightwards ? "c" : "s");
      out += '"';
      append_int_attr(out, "x1", rightwards ? k_ladder_client_x : k_ladder_server_x);
      append_int_attr(out, "y1", y - k_ladder_drop / 2);
      append_int_attr(out, "x2", rightwards ? k_ladder_server_x : k_ladder_client_x);
      append_int_attr(out, "y2", y + k_ladder_drop / 2);
      out += "/>";
      // Above the arrow's middle, where the line is at y.
      append_svg_text(out, "l", (k_ladder_client_x + k_ladder_server_x) / 2, y - 3, row.label);
    } else {
      text = "(timer)";
      if (!row.changes.empty() && row.changes.front()->packet_number != 0) {
        text = "(packet ";
        append_uint(text, row.changes.front()->packet_number);
        text += ", not drawn)";
      }
      append_svg_text(out, "m", (k_ladder_client_x + k_ladder_server_x) / 2 - 40, y + 4, text);
    }
    if (row.changed[0] || first) {
      out += "<text class=\"st e\"";
      append_int_attr(out, "x", k_ladder_client_x - 8);
      append_int_attr(out, "y", y + 4);
      out += '>';
      out += conn::state_name(row.states[0]);
      out += "</text>";
    }
    if (row.changed[1] || first) {
      append_svg_text(out, "st", k_ladder_server_x + 8, y + 4, conn::state_name(row.states[1]));
    }
    first = false;
    y += k_ladder_row;
    for (const LadderEvent* verdict : row.verdicts) {
      text.clear();
      const bool is_anomaly = verdict->kind == conn::EventKind::anomaly;
      text += is_anomaly ? "\xE2\x9A\xA0 " : "\xE2\x80\xA2 note ";
      text += is_anomaly ? anomaly::name(verdict->anomaly) : anomaly::name(verdict->note);
      text += " (";
      text += conn::side_name(verdict->side);
      text += "): ";
      text += verdict->reason;
      // The ladder is a fixed width: a long reason is cut, and kept whole in the tooltip.
      out += "<text class=\"";
      out += is_anomaly ? "v" : "nt";
      out += '"';
      append_int_attr(out, "x", k_ladder_verdict_x);
      append_int_attr(out, "y", y);
      out += "><title>";
      escape_html(out, text);
      out += "</title>";
      if (text.size() > k_ladder_verdict_chars) {
        std::size_t cut = k_ladder_verdict_chars;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
          --cut; // not inside a UTF-8 sequence
        }
        text.resize(cut);
        text += "\xE2\x80\xA6";
      }
      escape_html(out, text);
      out += "</text>";
      y += k_ladder_row;
    }
  }
  if (ladder.truncated()) {
    text = "\xE2\x80\xA6 ";
    append_uint(text, ladder.packets_seen - ladder.packets.size());
    text += " more packets not drawn";
    append_svg_text(out, "m", k_ladder_client_x + 10, y + 2, text);
  }
  out += "</svg>";
}

} // namespace tcpstate::sink
