#pragma once
// A tcpdump-style filter expression, compiled by libpcap once per link type it meets
// (a pcapng file may carry several) and run on each captured frame.
#include "tcpstate/source/raw_packet.hpp"

#include <memory>
#include <string>

namespace tcpstate::source {

class BpfFilter {
public:
  // Throws Fatal(usage) with libpcap's message when the expression does not compile.
  explicit BpfFilter(std::string expression);
  ~BpfFilter();
  BpfFilter(const BpfFilter&) = delete;
  BpfFilter& operator=(const BpfFilter&) = delete;

  bool matches(const RawPacket& packet);

private:
  struct Compiled;
  std::string m_expression;
  std::unique_ptr<Compiled> m_compiled;
};

} // namespace tcpstate::source
