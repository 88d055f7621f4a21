#include "round_trips.hpp"

#include "tcpstate/util/sequence.hpp"

#include <algorithm>
#include <array>
#include <memory>

namespace tcpstate::conn {
namespace {

namespace flag = decode::tcp_flag;

std::size_t index(Side side) {
  return static_cast<std::size_t>(side);
}

bool timing(const RoundTrips& trips, Side sender) {
  return sender == Side::client ? trips.timing_client : trips.timing_server;
}

void set_timing(RoundTrips& trips, Side sender, bool on) {
  if (sender == Side::client) {
    trips.timing_client = on;
  } else {
    trips.timing_server = on;
  }
}

void add_sample(RoundTrips& trips, Side leg_side, TimeNs sample) {
  if (!trips.samples) {
    trips.samples = std::make_unique<RoundTripSamples>();
  }
  RoundTripLeg& leg = trips.samples->legs[index(leg_side)];
  if (leg.seen < UINT32_MAX) {
    ++leg.seen;
  }
  if (leg.count < k_max_round_trip_samples) {
    leg.push(sample);
    return;
  }
  // Algorithm R: the seen-th sample replaces a kept one with probability kept/seen. The
  // "random" number is a hash of the count, so the same capture gives the same median.
  std::uint64_t mixed = leg.seen * 0x9e3779b97f4a7c15ULL;
  mixed ^= mixed >> 29;
  const std::uint64_t slot = mixed % leg.seen;
  if (slot < leg.count) {
    leg.at(static_cast<std::uint32_t>(slot)) = sample;
  }
}

void observe_handshake(RoundTrips& trips, Side side, const Endpoint& peer,
                       const decode::TcpSegment& segment, TimeNs time) {
  const bool syn = segment.has(flag::syn);
  const bool ack = segment.has(flag::ack);
  if (syn && !ack && side == Side::client) {
    if (!trips.syn_seen) {
      trips.syn_seen = true;
      trips.syn_time = time;
    } else {
      trips.syn_repeated = true;
    }
  } else if (syn && ack && side == Side::server) {
    if (!trips.syn_ack_seen) {
      trips.syn_ack_seen = true;
      trips.syn_ack_time = time;
      if (trips.syn_seen && !trips.syn_repeated && time >= trips.syn_time) {
        trips.handshake[index(Side::server)] = std::max<TimeNs>(time - trips.syn_time, 1);
      }
    } else {
      trips.syn_ack_repeated = true;
    }
  } else if (!syn && ack && side == Side::client && trips.syn_ack_seen &&
             trips.handshake[index(Side::client)] == 0 && !trips.syn_ack_repeated &&
             peer.sent_syn && segment.ack == peer.isn + 1 && time >= trips.syn_ack_time) {
    trips.handshake[index(Side::client)] = std::max<TimeNs>(time - trips.syn_ack_time, 1);
  }
}

} // namespace

void observe_round_trip(RoundTrips& trips, Side side, const Endpoint& sender, const Endpoint& peer,
                        const decode::TcpSegment& segment, TimeNs time) {
  if (segment.has(flag::syn)) {
    observe_handshake(trips, side, peer, segment, time);
    return;
  }
  observe_handshake(trips, side, peer, segment, time);
  const std::size_t me = index(side);
  if (segment.payload_length > 0) {
    const std::uint32_t end = segment.seq + segment.payload_length;
    const bool repeats = sender.sent_anything && seq_before(segment.seq, sender.next_seq);
    if (repeats) {
      // Karn: an ACK after a retransmission may answer either copy.
      if (timing(trips, side) && seq_before(segment.seq, trips.timed_end[me])) {
        set_timing(trips, side, false);
      }
    } else if (!timing(trips, side)) {
      trips.timed_end[me] = end;
      trips.timed_at[me] = time;
      set_timing(trips, side, true);
    }
  }
  const Side other = side == Side::client ? Side::server : Side::client;
  if (segment.has(flag::ack) && timing(trips, other) &&
      seq_after_or_equal(segment.ack, trips.timed_end[index(other)])) {
    // The peer's data went to this side and back: a sample of this side's leg.
    const TimeNs sent = trips.timed_at[index(other)];
    if (time >= sent) {
      add_sample(trips, side, std::max<TimeNs>(time - sent, 1));
    }
    set_timing(trips, other, false);
  }
}

TimeNs median_data_round_trip(const RoundTrips& trips, Side leg_side) {
  if (!trips.samples || trips.samples->legs[index(leg_side)].count == 0) {
    return 0;
  }
  // Ordered in a copy on the stack: the kept samples stay in the order reservoir sampling
  // needs, and a row costs no allocation.
  const RoundTripLeg& leg = trips.samples->legs[index(leg_side)];
  std::array<TimeNs, k_max_round_trip_samples> sorted; // NOLINT: filled below
  const auto in_first = std::min(leg.count, RoundTripLeg::k_inline);
  const auto after_first = std::copy_n(leg.first.begin(), in_first, sorted.begin());
  const auto end = std::copy(leg.rest.begin(), leg.rest.end(), after_first);
  std::sort(sorted.begin(), end);
  const std::size_t middle = leg.count / 2;
  if (leg.count % 2 == 1) {
    return sorted[middle];
  }
  return sorted[middle - 1] + (sorted[middle] - sorted[middle - 1]) / 2;
}

std::uint32_t data_round_trip_samples(const RoundTrips& trips, Side leg_side) {
  return trips.samples ? trips.samples->legs[index(leg_side)].seen : 0;
}

} // namespace tcpstate::conn
