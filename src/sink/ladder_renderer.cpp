#include "tcpstate/sink/ladder.hpp"

#include "text_format.hpp"

#include "tcpstate/decode/tcp_segment.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace tcpstate::sink {
namespace {

namespace flag = decode::tcp_flag;

constexpr std::size_t side_index(conn::Side side) {
  return static_cast<std::size_t>(side);
}

// Each side's sequence numbers are shown relative to its ISN (the sequence number of its
// SYN), or, when the capture has no SYN from it, to the first sequence number it sent; a
// side that sent nothing is based on what the other side acknowledged.
std::array<std::uint32_t, 2> sequence_bases(const Ladder& ladder) {
  std::array<std::optional<std::uint32_t>, 2> base;
  for (const LadderPacket& packet : ladder.packets) {
    auto& own = base[packet.from_client ? 0 : 1];
    if (!own) {
      own = packet.seq;
    }
  }
  for (const LadderPacket& packet : ladder.packets) {
    auto& peer = base[packet.from_client ? 1 : 0];
    if (!peer && (packet.flags & flag::ack) != 0) {
      const bool syn = (packet.flags & flag::syn) != 0;
      peer = syn ? packet.ack - 1 : packet.ack;
    }
  }
  return {base[0].value_or(0), base[1].value_or(0)};
}

std::string packet_label(const LadderPacket& packet, const std::array<std::uint32_t, 2>& bases) {
  std::string label = flag_text(packet.flags);
  const std::size_t own = packet.from_client ? 0 : 1;
  label += " seq=";
  append_uint(label, packet.seq - bases[own]);
  if ((packet.flags & flag::ack) != 0) {
    label += " ack=";
    append_uint(label, packet.ack - bases[1 - own]);
  }
  label += " len=";
  append_uint(label, packet.payload);
  return label;
}

bool is_verdict(const LadderEvent& event) {
  return event.kind == conn::EventKind::anomaly || event.kind == conn::EventKind::note;
}

// ---- text ----

constexpr std::size_t k_number_width = 6;
constexpr std::size_t k_time_width = 11;
constexpr std::size_t k_state_width = 14;
constexpr std::size_t k_arrow_width = 46;

struct Palette {
  bool on = false;
  std::string_view code(std::string_view sgr) const { return on ? sgr : std::string_view{}; }
  std::string_view reset() const { return on ? "\x1b[0m" : ""; }
};

constexpr std::string_view k_bold = "\x1b[1m";
constexpr std::string_view k_dim = "\x1b[2m";
constexpr std::string_view k_red = "\x1b[1;31m";
constexpr std::string_view k_green = "\x1b[1;32m";
constexpr std::string_view k_yellow = "\x1b[33m";
constexpr std::string_view k_cyan = "\x1b[36m";
constexpr std::string_view k_magenta = "\x1b[35m";

void append_repeat(std::string& out, std::string_view piece, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    out += piece;
  }
}

// "──── S. seq=0 ack=1 len=0 ─────→" or "←──── ... ────", k_arrow_width cells wide.
void append_arrow(std::string& out, std::string_view label, bool rightwards) {
  const std::size_t body = k_arrow_width - 1;
  const std::size_t text = std::min(label.size() + 2, body - 4);
  const std::size_t left = (body - text) / 2;
  const std::size_t right = body - text - left;
  if (!rightwards) {
    out += "←";
  }
  append_repeat(out, "─", left);
  out.push_back(' ');
  out += label.substr(0, text - 2);
  out.push_back(' ');
  append_repeat(out, "─", right);
  if (rightwards) {
    out += "→";
  }
}

void append_state(std::string& out, const Palette& colors, conn::TcpState state, bool changed,
                  bool pad) {
  const std::string_view name = conn::state_name(state);
  out += colors.code(changed ? k_green : k_dim);
  out += name;
  out += colors.reset();
  if (pad && name.size() < k_state_width) {
    out.append(k_state_width - name.size(), ' ');
  }
}

void append_row_start(std::string& out, std::uint64_t number, TimeNs time) {
  std::size_t start = out.size();
  if (number != 0) {
    append_uint(out, number);
  }
  pad_left_from(out, start, k_number_width);
  start = out.size();
  append_duration(out, time);
  pad_left_from(out, start, k_time_width);
  out += "  ";
}

void append_detail_line(std::string& out, const Palette& colors, std::string_view mark,
                        std::string_view color, std::string_view kind, std::string_view name,
                        conn::Side side, std::string_view reason) {
  out.append(k_number_width + k_time_width + 2 + k_state_width, ' ');
  out += colors.code(color);
  out += mark;
  out.push_back(' ');
  out += kind;
  out.push_back(' ');
  out += name;
  out += " (";
  out += conn::side_name(side);
  out += ")";
  out += colors.reset();
  if (!reason.empty()) {
    out += ": ";
    out += reason;
  }
  out.push_back('\n');
}

void append_endpoint_text(std::string& out, const IpAddress& address, std::uint16_t port) {
  append_endpoint(out, address, port);
}

} // namespace

std::string flag_text(std::uint8_t flags) {
  static constexpr std::array<std::pair<std::uint8_t, char>, 7> k_letters{{
      {flag::fin, 'F'},
      {flag::syn, 'S'},
      {flag::rst, 'R'},
      {flag::psh, 'P'},
      {flag::urg, 'U'},
      {flag::ece, 'E'},
      {flag::cwr, 'W'},
  }};
  std::string text;
  for (const auto& [bit, letter] : k_letters) {
    if ((flags & bit) != 0) {
      text.push_back(letter);
    }
  }
  if ((flags & flag::ack) != 0) {
    text.push_back('.');
  }
  return text.empty() ? std::string{"none"} : text;
}

std::vector<LadderRow> ladder_rows(const Ladder& ladder) {
  const TimeNs origin = ladder.packets.empty()
                            ? (ladder.events.empty() ? 0 : ladder.events.front().time)
                            : ladder.packets.front().time;
  const auto bases = sequence_bases(ladder);

  // Before its first change, a side is in the state that change started from; a side that
  // never changed was in its final state all along.
  std::array<conn::TcpState, 2> state = ladder.final_states;
  std::array<bool, 2> seen{};
  for (const LadderEvent& event : ladder.events) {
    const std::size_t side = side_index(event.side);
    if (event.kind == conn::EventKind::state_change && !seen[side]) {
      seen[side] = true;
      state[side] = event.from;
    }
  }

  std::unordered_map<std::uint64_t, std::size_t> row_of_packet;
  row_of_packet.reserve(ladder.packets.size());
  for (std::size_t i = 0; i < ladder.packets.size(); ++i) {
    row_of_packet.emplace(ladder.packets[i].number, i);
  }
  // Events of a kept packet go to its row; the rest (timers, packets beyond the cap) are
  // rows of their own, merged in by time.
  std::vector<std::vector<const LadderEvent*>> packet_events(ladder.packets.size());
  std::vector<const LadderEvent*> loose;
  const auto row_of = [&](const LadderEvent& event) {
    if (event.packet_number == 0) {
      return k_unknown_packet;
    }
    if (event.packet_index < ladder.packets.size() &&
        ladder.packets[event.packet_index].number == event.packet_number) {
      return event.packet_index;
    }
    const auto found = row_of_packet.find(event.packet_number);
    return found == row_of_packet.end() ? k_unknown_packet : found->second;
  };
  for (const LadderEvent& event : ladder.events) {
    if (const std::size_t row = row_of(event); row != k_unknown_packet) {
      packet_events[row].push_back(&event);
    } else {
      loose.push_back(&event);
    }
  }

  std::vector<LadderRow> rows;
  rows.reserve(ladder.packets.size() + loose.size());
  const auto add_row = [&](const LadderPacket* packet, TimeNs time,
                           const std::vector<const LadderEvent*>& events) {
    LadderRow row;
    row.packet = packet;
    row.time = time - origin;
    if (packet != nullptr) {
      row.label = packet_label(*packet, bases);
    }
    for (const LadderEvent* event : events) {
      if (event->kind == conn::EventKind::state_change) {
        state[side_index(event->side)] = event->to;
        row.changed[side_index(event->side)] = true;
        row.changes.push_back(event);
      } else if (is_verdict(*event)) {
        row.verdicts.push_back(event);
      }
    }
    row.states = state;
    rows.push_back(std::move(row));
  };

  std::size_t next_loose = 0;
  const auto flush_loose_before = [&](std::optional<TimeNs> limit) {
    while (next_loose < loose.size() && (!limit || loose[next_loose]->time < *limit)) {
      // Events of one timer firing (same time, same packet) share a row.
      std::vector<const LadderEvent*> group{loose[next_loose]};
      std::size_t end = next_loose + 1;
      while (end < loose.size() && loose[end]->time == loose[next_loose]->time &&
             loose[end]->packet_number == loose[next_loose]->packet_number) {
        group.push_back(loose[end]);
        ++end;
      }
      add_row(nullptr, loose[next_loose]->time, group);
      next_loose = end;
    }
  };
  for (std::size_t i = 0; i < ladder.packets.size(); ++i) {
    flush_loose_before(ladder.packets[i].time);
    add_row(&ladder.packets[i], ladder.packets[i].time, packet_events[i]);
  }
  flush_loose_before(std::nullopt);
  return rows;
}

void append_ladder_text(std::string& out, const Ladder& ladder, bool color) {
  const Palette colors{color};
  out += colors.code(k_bold);
  out += "connection ";
  append_uint(out, ladder.conn_id);
  out += colors.reset();
  out += ": client ";
  append_endpoint_text(out, ladder.client_address, ladder.client_port);
  out += " (left), server ";
  append_endpoint_text(out, ladder.server_address, ladder.server_port);
  out += " (right)\n";

  append_uint(out, ladder.packets_seen);
  out += ladder.packets_seen == 1 ? " packet" : " packets";
  if (ladder.truncated()) {
    out += ", the first ";
    append_uint(out, ladder.packets.size());
    out += " shown";
  }
  if (ladder.reported) {
    out += "; close ";
    out += conn::close_kind_name(ladder.close);
    out += ", closed by ";
    out += conn::closed_by_name(ladder.closed_by);
  }
  out += "; anomalies: ";
  out += colors.code(ladder.anomalies.any() ? k_red : std::string_view{});
  if (ladder.anomalies.any()) {
    for (std::size_t i = 0, shown = 0; i < anomaly::k_anomaly_count; ++i) {
      const auto id = static_cast<anomaly::Anomaly>(i);
      if (ladder.anomalies.has(id)) {
        out += shown++ == 0 ? "" : ", ";
        out += anomaly::name(id);
      }
    }
  } else {
    out += "none";
  }
  out += colors.reset();
  out.push_back('\n');
  if (!ladder.packets.empty()) {
    out += "time: seconds since ";
    out += format_iso8601(ladder.packets.front().time);
    out += "; seq/ack relative to each side's ISN\n";
  }
  out.push_back('\n');

  // Column heads.
  std::size_t start = out.size();
  out += "#";
  pad_left_from(out, start, k_number_width);
  start = out.size();
  out += "time";
  pad_left_from(out, start, k_time_width);
  out += "  ";
  start = out.size();
  out += "CLIENT";
  pad_right_from(out, start, k_state_width);
  out.append(k_arrow_width, ' ');
  out += "  SERVER\n";

  for (const LadderRow& row : ladder_rows(ladder)) {
    append_row_start(out, row.packet != nullptr ? row.packet->number : 0, row.time);
    append_state(out, colors, row.states[0], row.changed[0], true);
    if (row.packet != nullptr) {
      const bool rightwards = row.packet->from_client;
      const bool reset = (row.packet->flags & flag::rst) != 0;
      out += colors.code(reset ? k_red : (rightwards ? k_cyan : k_magenta));
      append_arrow(out, row.label, rightwards);
      out += colors.reset();
    } else {
      const std::size_t at = out.size();
      out += "   ";
      if (!row.changes.empty() && row.changes.front()->packet_number != 0) {
        out += "(packet ";
        append_uint(out, row.changes.front()->packet_number);
        out += ", not shown)";
      } else if (!row.verdicts.empty() && row.verdicts.front()->packet_number != 0) {
        out += "(packet ";
        append_uint(out, row.verdicts.front()->packet_number);
        out += ", not shown)";
      } else {
        out += "(timer)";
      }
      pad_right_from(out, at, k_arrow_width);
    }
    out += "  ";
    append_state(out, colors, row.states[1], row.changed[1], false);
    out.push_back('\n');
    if (row.packet == nullptr) {
      for (const LadderEvent* change : row.changes) {
        out.append(k_number_width + k_time_width + 2 + k_state_width, ' ');
        out += "   ";
        out += conn::side_name(change->side);
        out.push_back(' ');
        out += conn::state_name(change->from);
        out += " → ";
        out += conn::state_name(change->to);
        if (!change->reason.empty()) {
          out += ": ";
          out += change->reason;
        }
        out.push_back('\n');
      }
    }
    for (const LadderEvent* verdict : row.verdicts) {
      if (verdict->kind == conn::EventKind::anomaly) {
        append_detail_line(out, colors, "!!", k_red, "anomaly", anomaly::name(verdict->anomaly),
                           verdict->side, verdict->reason);
      } else {
        append_detail_line(out, colors, " *", k_yellow, "note", anomaly::name(verdict->note),
                           verdict->side, verdict->reason);
      }
    }
  }
  if (ladder.reported) {
    out += "\nfinal states: client ";
    out += conn::state_name(ladder.final_states[0]);
    out += ", server ";
    out += conn::state_name(ladder.final_states[1]);
    out.push_back('\n');
  }
}

} // namespace tcpstate::sink
