#include "tcpstate/util/ip_address.hpp"

#include <arpa/inet.h>

namespace tcpstate {

bool IpAddress::parse(const std::string& text, IpAddress& out) {
  IpAddress parsed;
  if (inet_pton(AF_INET, text.c_str(), parsed.bytes.data()) == 1) {
    parsed.family = IpFamily::v4;
    out = parsed;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), parsed.bytes.data()) == 1) {
    parsed.family = IpFamily::v6;
    out = parsed;
    return true;
  }
  return false;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN];
  const int af = family == IpFamily::v4 ? AF_INET : AF_INET6;
  inet_ntop(af, bytes.data(), text, sizeof text);
  return text;
}

} // namespace tcpstate
