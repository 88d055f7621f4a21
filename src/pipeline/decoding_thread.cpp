#include "decoding_thread.hpp"

namespace tcpstate::pipeline {

DecodingThread::DecodingThread(source::PacketSource& input, source::BpfFilter* filter,
                               decode::ChecksumPolicy checksums, bool hand_over_partial)
    : m_input(input), m_filter(filter), m_checksums(checksums),
      m_hand_over_partial(hand_over_partial), m_error_count(input.error_count()),
      m_ring(std::make_unique<std::array<DecodedBatch, k_ring_size>>()),
      m_thread([this] { run(); }) {}

DecodingThread::~DecodingThread() {
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_batch_free.notify_one();
  m_thread.join();
}

const DecodedBatch& DecodingThread::next_batch() {
  std::unique_lock lock(m_mutex);
  if (m_holding) {
    ++m_released;
    m_holding = false;
    m_batch_free.notify_one();
  }
  if (m_published == m_released) {
    m_consumer_waiting.store(true, std::memory_order_relaxed);
    m_batch_ready.wait(lock, [this] { return m_published > m_released; });
    m_consumer_waiting.store(false, std::memory_order_relaxed);
  }
  m_holding = true;
  return (*m_ring)[m_released % k_ring_size];
}

void DecodingThread::run() {
  for (;;) {
    DecodedBatch* batch = nullptr;
    {
      std::unique_lock lock(m_mutex);
      m_batch_free.wait(lock, [this] { return m_stop || m_published - m_released < k_ring_size; });
      if (m_stop) {
        return;
      }
      batch = &(*m_ring)[m_published % k_ring_size];
    }
    batch->size = 0;
    batch->failure = nullptr;
    batch->error_changes.clear();
    bool more = false;
    // Whatever goes wrong here belongs to the analysis thread, which rethrows it after the
    // packets read before it, where a single thread would have met it.
    try {
      more = fill(*batch);
    } catch (...) {
      batch->failure = std::current_exception();
    }
    batch->end_of_input = !more && !batch->failure;
    {
      const std::lock_guard lock(m_mutex);
      ++m_published;
    }
    m_batch_ready.notify_one();
    if (!more) {
      return;
    }
  }
}

bool DecodingThread::fill(DecodedBatch& batch) {
  fill_subframes(batch);
  while (batch.size < DecodedBatch::k_capacity) {
    if (m_hand_over_partial && batch.size > 0 &&
        m_consumer_waiting.load(std::memory_order_relaxed)) {
      return true;
    }
    if (!m_input.next(m_packet)) {
      return false;
    }
    DecodedPacket& out = batch.packets[batch.size++];
    out.time = m_packet.time;
    out.outcome = FrameOutcome::failed; // stays so if the filter throws
    out.next_subframe = 0;              // the batch's packets are used again
    if (const std::size_t errors = m_input.error_count(); errors != m_error_count) [[unlikely]] {
      m_error_count = errors;
      batch.error_changes.push_back({batch.size - 1, m_input.errors()});
    }
    filter_and_decode(m_packet, m_filter, m_checksums, m_probe, m_fragments, out);
    if (out.next_subframe != 0) [[unlikely]] {
      m_next_subframe = out.next_subframe;
      fill_subframes(batch);
    }
  }
  return true;
}

void DecodingThread::fill_subframes(DecodedBatch& batch) {
  while (m_next_subframe != 0 && batch.size < DecodedBatch::k_capacity) {
    DecodedPacket& out = batch.packets[batch.size++];
    out.next_subframe = m_next_subframe;
    decode_next_subframe(m_packet, m_checksums, m_fragments, out);
    m_next_subframe = out.next_subframe;
  }
}

} // namespace tcpstate::pipeline
