#include "tcpstate/sink/sink_factory.hpp"

#include "csv_sink.hpp"
#include "jsonl_sink.hpp"
#include "table_sink.hpp"
#include "zeek_sink.hpp"

namespace tcpstate::sink {

std::unique_ptr<Sink> make_sink(const SinkOptions& options, std::ostream& out) {
  switch (options.format) {
  case Format::csv:
    return std::make_unique<CsvSink>(out, options.view, options.header);
  case Format::jsonl:
    return std::make_unique<JsonlSink>(out, options.view);
  case Format::zeek:
    return std::make_unique<ZeekSink>(out, options.view, options.header);
  case Format::table:
    break;
  }
  return std::make_unique<TableSink>(out, options);
}

} // namespace tcpstate::sink
