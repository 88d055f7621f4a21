#pragma once
// ARCNET link types: LINKTYPE_ARCNET_BSD (7) and LINKTYPE_ARCNET_LINUX (129). Private to
// the decoder.
#include "link_layer.hpp"

#include <cstddef>

namespace tcpstate::decode {

// `addressing` is the bytes before the protocol ID: source and destination IDs (BSD), plus
// two bytes of offset (Linux).
SkipReason decode_arcnet(ByteView frame, std::size_t addressing, LinkLayer& out);

} // namespace tcpstate::decode
