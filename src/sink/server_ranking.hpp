#pragma once
// Which servers the summary and the report list first: the one ranking both use, so the
// two never disagree about the worst servers.
#include "tcpstate/sink/summary.hpp"

#include <cstddef>
#include <vector>

namespace tcpstate::sink {

struct RankedServer {
  const ServerKey* key = nullptr;
  const ServerRollup* rollup = nullptr;
};

// The first `keep` servers of `summary` (fewer when it has fewer), worst first: most
// anomalous connections, then the busier server, then address order so the output is
// reproducible. Servers without anomalous connections come after all those with any.
// Points into `summary`.
std::vector<RankedServer> rank_servers(const Summary& summary, std::size_t keep);

} // namespace tcpstate::sink
