#pragma once
// One captured frame as handed out by a packet source. `data` borrows the source's
// buffer and stays valid only until that source's next call.
#include "tcpstate/util/link_type.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>

namespace tcpstate::source {

struct RawPacket {
  TimeNs time = 0;
  std::uint32_t wire_length = 0; // length on the wire; data.size() is what was captured
  LinkType link = LinkType::ethernet;
  ByteView data;
};

} // namespace tcpstate::source
