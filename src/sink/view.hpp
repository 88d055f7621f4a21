#pragma once
// Which rows each view shows; shared so the three formats cannot disagree.
#include "tcpstate/conn/connection_report.hpp"
#include "tcpstate/sink/sink_factory.hpp"

namespace tcpstate::sink {

inline bool shows_connection(View view, const conn::ConnectionReport& report) {
  return view == View::connections || (view == View::anomalies_only && report.anomalies.any());
}

inline bool shows_events(View view) {
  return view == View::events;
}

} // namespace tcpstate::sink
