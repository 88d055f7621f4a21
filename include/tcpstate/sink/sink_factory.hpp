#pragma once
// Chooses the sink for an output format and view.
#include "tcpstate/sink/sink.hpp"

#include <iosfwd>
#include <memory>

namespace tcpstate::sink {

// zeek: a Zeek conn.log (connection rows only: not with the summary or events views).
enum class Format { table, csv, jsonl, zeek };
enum class View { connections, summary, events, anomalies_only };

struct SinkOptions {
  Format format = Format::table;
  View view = View::connections;
  bool csv_header = true;
};

std::unique_ptr<Sink> make_sink(const SinkOptions& options, std::ostream& out);

} // namespace tcpstate::sink
