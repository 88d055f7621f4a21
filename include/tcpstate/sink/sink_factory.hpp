#pragma once
// Chooses the sink for an output format and view.
#include "tcpstate/sink/sink.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>

namespace tcpstate::sink {

// zeek: a Zeek conn.log (connection rows only: not with the summary or events views).
enum class Format { table, csv, jsonl, zeek };
enum class View { connections, summary, events, anomalies_only };

// When the reader needs the rows: once the whole input is read (files: a table can be
// measured before it is printed), or as each connection finishes (a pipe, a live capture).
enum class Delivery : std::uint8_t { after_input, as_they_finish };

// How much the table view says: -q leaves out the summary block, -v adds each anomaly's
// and note's evidence under its row. The machine formats are the same either way.
enum class Detail : std::uint8_t { normal, quiet, verbose };

struct SinkOptions {
  Format format = Format::table;
  View view = View::connections;
  bool header = true; // the CSV header line, the table's column titles, Zeek's # lines
  Delivery delivery = Delivery::after_input;
  Detail detail = Detail::normal;
  // The terminal's width in columns, 0 when standard output is no terminal: the table adds
  // its round-trip columns only when the whole row fits.
  std::size_t terminal_columns = 0;
  // The table colours its anomalous rows (--color, decided by the CLI).
  bool color = false;
};

std::unique_ptr<Sink> make_sink(const SinkOptions& options, std::ostream& out);

} // namespace tcpstate::sink
