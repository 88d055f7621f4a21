#pragma once
// Reads classic pcap (microsecond and nanosecond, either byte order) and pcapng (any
// number of interfaces, each with its own link type and timestamp resolution) from a
// file or standard input ("-"), straight out of a large read buffer: no copy and no
// allocation per packet. libpcap's own reader is not used because it rejects pcapng files
// whose interfaces have different link types and costs a copy per packet.
#include "tcpstate/source/packet_source.hpp"

#include <memory>
#include <string>

namespace tcpstate::source {

// Opens `path` ("-" for standard input). Throws Fatal(input_error) when the file cannot
// be opened or is not a capture at all (with a hint for gzip'd captures); damage later in
// the file is reported through errors() instead.
std::unique_ptr<PacketSource> open_capture_file(const std::string& path);

} // namespace tcpstate::source
