#pragma once
// Aligned columns for a terminal. Every column is as wide as its widest value among the
// rows shown (an IPv6 [addr]:port included), never narrower than a minimum that fits the
// usual values. Rows of a whole file are held and measured before the first is printed
// (up to k_max_held_rows; beyond that they stream); rows that must reach the reader as
// connections finish (a pipe, a live capture) are printed at once, and when one does not
// fit, its columns widen and the column titles are printed again above it, so no line is
// ever out of step with the titles above it. The summary block follows the rows, or
// stands alone with --summary. With colour on, a row with an anomaly is red, yellow or
// cyan by its worst anomaly's severity (error, warning, info).
#include "tcpstate/sink/sink.hpp"
#include "tcpstate/sink/sink_factory.hpp"

#include "text_format.hpp"

#include <array>
#include <cstddef>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tcpstate::sink {

// Enough rows to measure any table a person reads whole (about 20 MB held at most).
inline constexpr std::size_t k_max_held_rows = 100'000;

class TableSink final : public Sink {
public:
  TableSink(std::ostream& out, const SinkOptions& options);
  void on_event(const conn::Event& event) override;
  void on_connection(const conn::ConnectionReport& report) override;
  void on_finish(const Summary& summary) override;

  enum class Align : std::uint8_t { left, right };
  struct Column {
    std::string_view title;
    std::size_t min_width;
    Align align;
  };
  static constexpr std::size_t k_max_cells = 15;

  // One row's cells, not yet padded, and the lines that follow it (-v evidence).
  struct Row {
    std::string text;
    std::array<std::size_t, k_max_cells> ends{}; // end offset of each cell in `text`
    std::size_t cells = 0;
    std::string after;
    std::string_view color; // an SGR code for the whole line (--color), or empty
  };

private:
  std::span<const Column> columns() const;
  void add(Row& row);            // measures it, then holds or prints it
  bool widen_to(const Row& row); // true when a column grew
  void append_titles();
  void append_row(const Row& row);
  void release_held();
  void write_out();

  std::ostream& m_out;
  SinkOptions m_options;
  bool m_round_trips; // the connection view has the round-trip columns
  std::vector<std::size_t> m_widths;
  bool m_streaming; // rows are printed as they come (held ones already released)
  bool m_titles_due = true;
  bool m_any_row = false;
  std::vector<Row> m_held;
  Row m_row;          // the row being built
  std::string m_text; // what goes to the stream next
  TimeFormatter m_times;
};

} // namespace tcpstate::sink
