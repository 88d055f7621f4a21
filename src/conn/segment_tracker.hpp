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

// The two ways track_segment takes a segment, apart so that a test can hold them to the
// same result. The steady path handles in-order data and ACKs between two ESTABLISHED
// endpoints, by far the commonest segment, with a few updates; it returns false, having
// changed nothing, for any other segment. apply_segment_rules runs every rule.
bool track_steady_segment(Connection& connection, Side sender, const decode::TcpSegment& segment);
void apply_segment_rules(Connection& connection, Side sender, const decode::TcpSegment& segment,
                         Cause cause, Recorder& recorder);

} // namespace tcpstate::conn
