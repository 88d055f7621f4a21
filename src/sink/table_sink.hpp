#pragma once
// Aligned columns for a terminal, streamed: each row is written when its connection
// finishes, so the widths are fixed minimums chosen up front (an IPv4 addr:port fits; an
// IPv6 one simply pushes its line wider) rather than measured over all rows. The summary
// block follows the rows, or stands alone with --summary.
#include "tcpstate/sink/sink.hpp"
#include "tcpstate/sink/sink_factory.hpp"

#include "text_format.hpp"

#include <iosfwd>
#include <string>

namespace tcpstate::sink {

class TableSink final : public Sink {
public:
  TableSink(std::ostream& out, View view);
  void on_event(const conn::Event& event) override;
  void on_connection(const conn::ConnectionReport& report) override;
  void on_finish(const Summary& summary) override;

private:
  void start_row(); // clears the row buffer, first putting the header in it if due
  void write_row();

  std::ostream& m_out;
  View m_view;
  bool m_header_written = false;
  std::string m_row;
  TimeFormatter m_times;
};

} // namespace tcpstate::sink
