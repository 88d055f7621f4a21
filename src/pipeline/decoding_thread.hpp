#pragma once
// Reading, filtering and decoding on a thread of their own, so that on two CPUs the front
// half of the per-packet path runs beside the analysis instead of before it. The thread
// fills batches of DecodedPacket in a small ring; the analysis thread takes them in
// capture order. Nothing is allocated per packet, and the threads meet once per batch.
#include "tcpstate/pipeline/decoded_packet.hpp"

#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/source/bpf_filter.hpp"
#include "tcpstate/source/packet_source.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tcpstate::pipeline {

struct DecodedBatch {
  // Enough packets that meeting once per batch costs nothing measurable, few enough that
  // a batch is still in the shared cache when the analysis thread reads it.
  static constexpr std::size_t k_capacity = 1024;

  std::array<DecodedPacket, k_capacity> packets;
  std::size_t size = 0;
  // The input ended after these packets (cleanly or not: see PacketSource::errors()).
  bool end_of_input = false;
  // Reading or filtering threw after these packets; the last packet, if its outcome is
  // `failed`, is the one the filter threw on. Nothing follows this batch.
  std::exception_ptr failure;

  // The input's error lines as they stood once packet `after_packet` had been read, for
  // each packet after which they changed (an input of a merge that ran out damaged): a run
  // that stops early reports only the errors met by then, as a single thread would.
  struct ErrorLines {
    std::size_t after_packet;
    std::vector<std::string> lines;
  };
  std::vector<ErrorLines> error_changes;
};

class DecodingThread {
public:
  // Starts reading `input` through `filter` (may be null) on a new thread. Both must
  // outlive this object and are not to be touched by anyone else until it is destroyed.
  // With `hand_over_partial`, a batch is handed over before it is full whenever the
  // analysis thread is waiting: for pipes, whose packets may trickle in.
  DecodingThread(source::PacketSource& input, source::BpfFilter* filter,
                 decode::ChecksumPolicy checksums, bool hand_over_partial);
  // Stops the thread (reading ends at the next batch boundary) and joins it.
  ~DecodingThread();
  DecodingThread(const DecodingThread&) = delete;
  DecodingThread& operator=(const DecodingThread&) = delete;

  // The next batch, waiting for it if need be; the batch returned by the previous call is
  // given back to the reader. Not to be called again after a batch with end_of_input or a
  // failure.
  const DecodedBatch& next_batch();

private:
  // Small: the reader only needs to stay a batch or two ahead to keep both CPUs busy.
  static constexpr std::size_t k_ring_size = 4;

  void run();
  // Fills `batch`; false when the input has ended.
  bool fill(DecodedBatch& batch);
  // Adds the packets of m_packet's A-MSDU aggregate still to be decoded, while they fit.
  void fill_subframes(DecodedBatch& batch);

  source::PacketSource& m_input;
  source::BpfFilter* m_filter;
  decode::ChecksumPolicy m_checksums;
  FilterProbe m_probe;
  decode::FragmentReassembler m_fragments;
  bool m_hand_over_partial;
  std::size_t m_error_count = 0;
  // The frame last read, kept across batches: its later packets (an A-MSDU aggregate's
  // subframes) may not all fit in the batch it began.
  source::RawPacket m_packet;
  std::uint32_t m_next_subframe = 0;

  std::unique_ptr<std::array<DecodedBatch, k_ring_size>> m_ring;
  std::mutex m_mutex;
  std::condition_variable m_batch_ready;
  std::condition_variable m_batch_free;
  std::uint64_t m_published = 0; // batches filled, ever
  std::uint64_t m_released = 0;  // batches the analysis thread is done with, ever
  bool m_holding = false;        // the analysis thread is reading batch m_released
  bool m_stop = false;
  std::atomic<bool> m_consumer_waiting{false};

  std::thread m_thread; // last: started once everything above exists
};

} // namespace tcpstate::pipeline
