#pragma once
// An output format. The pipeline hands each sink every finished connection as it is
// written out, every event (when events were asked for), and at the end the summary.
// Sinks write to their stream as they go, so rows reach a pipe while the capture is still
// being read.
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/conn/event.hpp"
#include "tcpstate/sink/capture_stats.hpp"
#include "tcpstate/sink/summary.hpp"

namespace tcpstate::sink {

class Sink : public conn::EventObserver {
public:
  void on_event(const conn::Event& event) override { (void)event; }
  virtual void on_connection(const conn::ConnectionReport& report) = 0;
  virtual void on_finish(const Summary& summary) = 0;
};

} // namespace tcpstate::sink
