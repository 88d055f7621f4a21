#pragma once
// Several capture files merged into one capture by timestamp (rotated captures, or one
// file per interface): a connection spanning two files is one connection.
#include "tcpstate/source/packet_source.hpp"

#include <memory>
#include <vector>

namespace tcpstate::source {

std::unique_ptr<PacketSource> merge_by_time(std::vector<std::unique_ptr<PacketSource>> inputs);

} // namespace tcpstate::source
