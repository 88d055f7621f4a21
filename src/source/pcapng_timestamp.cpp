#include "pcapng_timestamp.hpp"

namespace tcpstate::source {
namespace {

constexpr std::uint64_t k_ns_per_second_u = 1'000'000'000;

std::uint64_t power_of_ten(unsigned exponent) {
  std::uint64_t value = 1;
  for (unsigned i = 0; i < exponent; ++i) {
    value *= 10;
  }
  return value;
}

} // namespace

PcapngTimestamp PcapngTimestamp::from_tsresol(std::uint8_t tsresol) {
  PcapngTimestamp clock;
  const unsigned exponent = tsresol & 0x7fU;
  if ((tsresol & 0x80U) != 0) {
    clock.m_scale = Scale::binary;
    clock.m_binary_exponent = exponent;
  } else if (exponent <= 9) {
    clock.m_scale = Scale::multiply;
    clock.m_factor = power_of_ten(9 - exponent);
  } else {
    clock.m_scale = Scale::divide;
    // 10^19 is the largest power of ten in 64 bits; finer clocks only exist in damaged files.
    clock.m_factor = power_of_ten(exponent - 9 > 19 ? 19 : exponent - 9);
  }
  return clock;
}

void PcapngTimestamp::set_offset_seconds(std::int64_t seconds) {
  constexpr std::int64_t k_max_seconds = k_max_time_ns / k_ns_per_second;
  m_offset_ns = seconds > k_max_seconds    ? k_max_time_ns
                : seconds < -k_max_seconds ? -k_max_time_ns
                                           : seconds * k_ns_per_second;
}

std::uint64_t PcapngTimestamp::binary_to_ns(std::uint64_t units) const {
  // Split into whole seconds and a binary fraction; the fraction keeps at most 32 bits so
  // that multiplying it by 10^9 cannot overflow (the dropped bits are below a nanosecond).
  const unsigned exponent = m_binary_exponent;
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;
  unsigned fraction_bits = exponent;
  if (exponent < 64) {
    whole = units >> exponent;
    fraction = units & ((std::uint64_t{1} << exponent) - 1);
    if (exponent > 32) {
      fraction >>= exponent - 32;
      fraction_bits = 32;
    }
  } else {
    fraction = exponent - 32 < 64 ? units >> (exponent - 32) : 0;
    fraction_bits = 32;
  }
  // Saturates: to_ns() clamps anything this large anyway.
  std::uint64_t whole_ns = 0;
  if (__builtin_mul_overflow(whole, k_ns_per_second_u, &whole_ns)) {
    return ~std::uint64_t{0};
  }
  const std::uint64_t fraction_ns = (fraction * k_ns_per_second_u) >> fraction_bits;
  return whole_ns > ~std::uint64_t{0} - fraction_ns ? ~std::uint64_t{0} : whole_ns + fraction_ns;
}

} // namespace tcpstate::source
