#pragma once
// --at: which finished connections the views see. A connection written out before the
// moment (closed, or timed out of TIME_WAIT) was gone by then, so it is left out; at the
// moment, the reconstructor's finish() hands over those still alive, in their states then.
#include "tcpstate/conn/reconstructor.hpp"

namespace tcpstate::cli {

class MomentGate final : public conn::ReportReceiver {
public:
  explicit MomentGate(conn::ReportReceiver& next) : m_next(next) {}

  // The reading reached the moment: what comes now was alive at it.
  void open() { m_open = true; }

  void on_report(const conn::ConnectionReport& report) override {
    // Both endpoints CLOSED at the moment itself (a RST stamped exactly then): no socket
    // left for ss to show.
    const bool gone = report.client().state == conn::TcpState::closed &&
                      report.server().state == conn::TcpState::closed;
    if (m_open && !gone) {
      m_next.on_report(report);
    }
  }

private:
  conn::ReportReceiver& m_next;
  bool m_open = false;
};

} // namespace tcpstate::cli
