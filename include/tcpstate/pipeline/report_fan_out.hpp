#pragma once
// Where a finished connection's report goes: into the summary first, so the totals cover
// every row whatever the view shows, then to the sink, then to one more receiver if any
// (--interval snapshots, the --report data).
#include "tcpstate/conn/reconstructor.hpp"
#include "tcpstate/sink/sink.hpp"
#include "tcpstate/sink/summary.hpp"

namespace tcpstate::pipeline {

class ReportFanOut final : public conn::ReportReceiver {
public:
  ReportFanOut(sink::Summary& summary, sink::Sink& sink, conn::ReportReceiver* also = nullptr)
      : m_summary(summary), m_sink(sink), m_also(also) {}

  void on_report(const conn::ConnectionReport& report) override {
    m_summary.add(report);
    m_sink.on_connection(report);
    if (m_also != nullptr) {
      m_also->on_report(report);
    }
  }

private:
  sink::Summary& m_summary;
  sink::Sink& m_sink;
  conn::ReportReceiver* m_also;
};

} // namespace tcpstate::pipeline
