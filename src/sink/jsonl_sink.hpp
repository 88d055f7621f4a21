#pragma once
// JSON Lines: one object per connection (or per event). Every line of one run has the
// same shape so `jq` filters need no type switch: the connection views never carry the
// summary, which is written only with --summary, as a single {"type":"summary",...} line.
#include "tcpstate/sink/sink.hpp"
#include "tcpstate/sink/sink_factory.hpp"

#include "text_format.hpp"

#include <iosfwd>
#include <string>

namespace tcpstate::sink {

class JsonlSink final : public Sink {
public:
  JsonlSink(std::ostream& out, View view);
  void on_event(const conn::Event& event) override;
  void on_connection(const conn::ConnectionReport& report) override;
  void on_finish(const Summary& summary) override;

private:
  void write_row();

  std::ostream& m_out;
  View m_view;
  std::string m_row;
  TimeFormatter m_times;
};

} // namespace tcpstate::sink
