#pragma once
// RFC 4180 CSV: one header row, then one row per connection (or per event). Standard output
// is always exactly one table, so the summary is only ever written alone (--summary), in
// its own long `section,key,metric,value` shape.
#include "tcpstate/sink/sink.hpp"
#include "tcpstate/sink/sink_factory.hpp"

#include "text_format.hpp"

#include <iosfwd>
#include <string>

namespace tcpstate::sink {

class CsvSink final : public Sink {
public:
  CsvSink(std::ostream& out, View view, bool header);
  void on_event(const conn::Event& event) override;
  void on_connection(const conn::ConnectionReport& report) override;
  void on_finish(const Summary& summary) override;

private:
  void start_row(); // clears the row buffer, first putting the header in it if due
  void write_row();

  std::ostream& m_out;
  View m_view;
  bool m_header_due;
  std::string m_row;
  TimeFormatter m_times;
};

} // namespace tcpstate::sink
