#include "zeek_pending_data.hpp"

#include <algorithm>

namespace tcpstate::conn {

void ZeekPendingData::add(std::uint32_t begin, std::uint32_t end) {
  // First block that does not end before the new one begins (touching blocks merge).
  auto first =
      std::lower_bound(m_blocks.begin(), m_blocks.end(), begin,
                       [](const Block& block, std::uint32_t at) { return block.end < at; });
  auto last = first;
  while (last != m_blocks.end() && last->begin <= end) {
    begin = std::min(begin, last->begin);
    end = std::max(end, last->end);
    ++last;
  }
  if (first == last) {
    m_blocks.insert(first, Block{begin, end});
    return;
  }
  *first = Block{begin, end};
  m_blocks.erase(first + 1, last);
}

std::uint32_t ZeekPendingData::deliver_from(std::uint32_t edge) {
  auto reached = m_blocks.begin();
  while (reached != m_blocks.end() && reached->begin <= edge) {
    edge = std::max(edge, reached->end);
    ++reached;
  }
  m_blocks.erase(m_blocks.begin(), reached);
  return edge;
}

} // namespace tcpstate::conn
