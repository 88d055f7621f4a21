#pragma once
// What one captured segment means for both endpoints of its connection. The capture shows
// what was sent, not what arrived: a segment is taken as received by the peer when it is
// captured, and later segments correct that when they prove otherwise (see the rules in
// segment_tracker.cpp).
#include "connection.hpp"
#include "recorder.hpp"
#include "tcpstate/decode/tcp_segment.hpp"

namespace tcpstate::conn {

void track_segment(Connection& connection, Side sender, const decode::TcpSegment& segment,
                   Cause cause, Recorder& recorder);

} // namespace tcpstate::conn
