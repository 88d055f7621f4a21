#pragma once
// A BPF filter that matched nothing on a capture whose frames are VLAN-tagged, in PPPoE
// sessions, MPLS-labelled or tunnelled most likely tested the wrong offsets: tcpdump's
// filter language looks past those headers only when told (`vlan and ...`), and never into
// a tunnel. The hint says so and what to type instead.
#include "tcpstate/decode/encapsulation.hpp"

#include <cstdint>
#include <string>

namespace tcpstate::cli {

// The line for standard error (without "tcpstate: " and the newline), or empty when
// nothing needs saying: `packets` frames were read, none matched `filter`, and `seen` is
// what wrapped the frames that were looked at.
std::string filter_hint(const std::string& filter, std::uint64_t packets,
                        const decode::Encapsulation& seen);

} // namespace tcpstate::cli
