#pragma once
// Payload one direction sent above a hole: captured, but not yet contiguous with what came
// before it. Zeek's reassembler holds such blocks until the hole fills or an acknowledgment
// passes it; only the sequence ranges matter for its content gaps, so only they are kept.
// Sequence numbers are Zeek's relative ones (0 is the SYN).
#include <cstdint>
#include <vector>

namespace tcpstate::conn {

class ZeekPendingData {
public:
  bool empty() const { return m_blocks.empty(); }
  // One past the highest pending byte; only when !empty().
  std::uint32_t end() const { return m_blocks.back().end; }

  // Records [begin, end), which lies wholly above the delivered edge.
  void add(std::uint32_t begin, std::uint32_t end);

  // The delivered edge moved to `edge`: blocks it reaches are delivered too. Returns the
  // new edge.
  std::uint32_t deliver_from(std::uint32_t edge);

  // An acknowledgment reached `ack` above `edge`: calls on_gap(length) for every hole
  // below `ack` in order, delivering the blocks between them. Returns the new edge.
  template <typename OnGap>
  std::uint32_t skip_to(std::uint32_t edge, std::uint32_t ack, OnGap on_gap) {
    while (!m_blocks.empty() && m_blocks.front().begin < ack) {
      on_gap(m_blocks.front().begin - edge);
      edge = deliver_from(m_blocks.front().begin);
    }
    if (edge < ack) {
      on_gap(ack - edge);
      edge = ack;
    }
    return edge;
  }

  void clear() { m_blocks.clear(); }

  // Lists the fields for a compact encoding (field_codec.hpp).
  template <typename Codec> void transfer_fields(Codec& codec) {
    codec.sequence(m_blocks, [&](Block& block) {
      codec.number(block.begin);
      codec.number(block.end);
    });
  }

private:
  struct Block {
    std::uint32_t begin;
    std::uint32_t end;
  };
  std::vector<Block> m_blocks; // sorted, disjoint, not touching
};

} // namespace tcpstate::conn
