#include "tcpstate/util/ip_address.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <tuple>

using tcpstate::IpAddress;
using tcpstate::IpFamily;

TEST_CASE("IpAddress orders like its bytes, then its family") {
  std::mt19937_64 random(3);
  const auto make = [&random] {
    IpAddress address;
    // Few distinct byte values, so equal prefixes of every length are common.
    for (auto& byte : address.bytes) {
      byte = static_cast<std::uint8_t>(random() % 3 == 0 ? 0 : (random() % 4) * 0x55);
    }
    address.family = random() % 2 == 0 ? IpFamily::v4 : IpFamily::v6;
    return address;
  };
  for (int i = 0; i < 20000; ++i) {
    const IpAddress a = make();
    const IpAddress b = make();
    const auto expected = std::tie(a.bytes, a.family) <=> std::tie(b.bytes, b.family);
    CHECK((a <=> b) == expected);
    CHECK((a == b) == (expected == 0));
  }
}
