#pragma once
// TCP sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4): a is "before"
// b when the signed distance from a to b is positive. Valid while the two numbers are
// less than 2^31 apart, which every live window guarantees.
#include <cstdint>

namespace tcpstate {

constexpr std::int32_t seq_distance(std::uint32_t from, std::uint32_t to) {
  return static_cast<std::int32_t>(to - from);
}
constexpr bool seq_before(std::uint32_t a, std::uint32_t b) {
  return seq_distance(a, b) > 0;
}
constexpr bool seq_before_or_equal(std::uint32_t a, std::uint32_t b) {
  return seq_distance(a, b) >= 0;
}
constexpr bool seq_after(std::uint32_t a, std::uint32_t b) {
  return seq_before(b, a);
}
constexpr bool seq_after_or_equal(std::uint32_t a, std::uint32_t b) {
  return seq_before_or_equal(b, a);
}
constexpr std::uint32_t seq_max(std::uint32_t a, std::uint32_t b) {
  return seq_before(a, b) ? b : a;
}

} // namespace tcpstate
