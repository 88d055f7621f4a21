#include "tcpstate/conn/sharded_reconstructor.hpp"

#include "shard_ledger.hpp"
#include "shard_merge.hpp"
#include "tcpstate/util/freed_memory.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace tcpstate::conn {
namespace {

// One segment of the capture as every shard sees it: its own to follow, or only a time at
// which to run its due checks.
struct WorkItem {
  enum class Kind : std::uint8_t { segment, bad_checksum, clock };
  decode::TcpSegment segment;
  TimeNs time = 0;
  std::uint64_t packet_number = 0;
  std::uint32_t shard = 0;
  Kind kind = Kind::segment;
};

struct WorkBatch {
  // Large enough that the threads meet rarely, small enough to stay in a shared cache.
  static constexpr std::size_t k_capacity = 1024;
  std::vector<WorkItem> items;
  std::uint64_t first_item = 0;
  bool last = false; // the capture ended after these items, at `capture_end`
  TimeNs capture_end = 0;
};

std::uint64_t mix(std::uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  return value ^ (value >> 33);
}

std::uint64_t endpoint_hash(const IpAddress& address, std::uint16_t port) {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  std::memcpy(&low, address.bytes.data(), sizeof low);
  std::memcpy(&high, address.bytes.data() + sizeof low, sizeof high);
  return mix(low ^ std::rotl(high, 32) ^ (std::uint64_t{port} * 0x9e3779b97f4a7c15ULL));
}

// Which shard thread follows a segment's connection. Not shard_hash(): that one is fixed
// for --shard's processes, byte for byte, and costs the merge's thread, which hands every
// segment over, a sixth of its time. Within one process any hash will do, for the rows do
// not depend on how the connections are split; a sum of the two endpoints' is the same in
// both directions.
std::uint32_t thread_shard(const decode::TcpSegment& segment, std::size_t shards) {
  const std::uint64_t hash =
      endpoint_hash(segment.src, segment.src_port) + endpoint_hash(segment.dst, segment.dst_port);
  // The top 32 bits scaled to [0, shards): a multiply instead of a division.
  return static_cast<std::uint32_t>(((hash >> 32) * shards) >> 32);
}

// Each shard's copy of the configuration: the thresholds for compact records count the
// connections held at once, and a shard holds about its share of them. Compaction never
// changes a row, so this only keeps each shard's memory what one thread's would be.
AnalysisConfig shard_config(const AnalysisConfig& config, std::size_t shards) {
  AnalysisConfig own = config;
  own.compact_syn_only_beyond = std::max<std::uint64_t>(1, config.compact_syn_only_beyond / shards);
  own.compact_finished_beyond = std::max<std::uint64_t>(1, config.compact_finished_beyond / shards);
  return own;
}

} // namespace

class ShardedReconstructor::Impl {
public:
  Impl(const AnalysisConfig& config, ReportReceiver& reports, std::size_t shards,
       EventObserver* events)
      : m_max_connections(config.max_connections), m_board(shards),
        m_merge(config, reports, shards, events), m_outboxes(shards) {
    const AnalysisConfig own = shard_config(config, shards);
    m_workers.reserve(shards);
    for (std::size_t shard = 0; shard < shards; ++shard) {
      m_workers.push_back(std::make_unique<Worker>(own, m_board, shard, events != nullptr));
    }
    for (WorkBatch& batch : m_ring) {
      batch.items.reserve(WorkBatch::k_capacity);
    }
    for (std::size_t shard = 0; shard < shards; ++shard) {
      m_workers[shard]->ledger.hand_over_with(
          [this, shard](ShardOutput output) { hand_over(shard, std::move(output)); });
    }
    try {
      for (std::size_t shard = 0; shard < shards; ++shard) {
        m_workers[shard]->thread = std::thread([this, shard] { run(shard); });
      }
    } catch (...) {
      stop();
      throw;
    }
  }

  ~Impl() { stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void on_segment(const decode::TcpSegment& segment, TimeNs time, std::uint64_t packet_number) {
    const WorkItem item{segment, time, packet_number, shard_of(segment), WorkItem::Kind::segment};
    if (m_held_bound >= m_max_connections) [[unlikely]] {
      sync();
      if (m_held_bound >= m_max_connections) {
        // This segment may begin a connection where one thread holds the most it may:
        // it is analysed and merged alone, and the merge throws ShardsCannotEvict then.
        add(item);
        sync();
        return;
      }
    }
    add(item);
    // A segment begins at most one connection.
    ++m_held_bound;
  }
  void on_bad_checksum(const decode::TcpSegment& segment) {
    add({segment, 0, 0, shard_of(segment), WorkItem::Kind::bad_checksum});
  }
  void advance_to(TimeNs now) { add({{}, now, 0, 0, WorkItem::Kind::clock}); }

  void finish(TimeNs capture_end) {
    WorkBatch& batch = filling();
    batch.last = true;
    batch.capture_end = capture_end;
    publish();
    merge_until([this] { return m_merge.done(); }, [] { return false; });
    util::return_freed_memory();
  }

  std::size_t open_connections() const { return m_merge.open_connections(); }

private:
  // Everything handed to the shards is analysed and merged: the merge's count of
  // connections held is exact.
  void sync() {
    if (m_filling) {
      publish();
    }
    const auto all_done = [this] { return least_batches_done() == m_published; };
    merge_until([&] { return all_done() && !any_outbox() && m_merge.drained(); }, all_done);
    m_held_bound = m_merge.open_connections();
  }

  static constexpr std::size_t k_ring_size = 8;

  struct Worker {
    Worker(const AnalysisConfig& config, ShardBoard& board, std::size_t shard, bool events)
        : ledger(board, shard, events) {
      reconstructor.emplace(config, ledger);
    }
    ShardLedger ledger;
    // Dropped as soon as the shard has handed over its last connection: its tables and
    // pages are not needed by the merge, which may still have rows to write. The ledger,
    // which watches its shape, is not used after that either.
    std::optional<Reconstructor> reconstructor;
    std::thread thread;
    std::uint64_t batches_done = 0;       // guarded by m_mutex
    std::uint64_t connections_handed = 0; // guarded by m_mutex
    std::uint64_t connections_merged = 0; // guarded by m_mutex
    bool ending = false;                  // guarded by m_mutex: in finish()
  };

  // At the end a shard writes out every connection it holds, far faster than the merge
  // judges and reports them: it waits while this many are handed over and not merged yet.
  static constexpr std::uint64_t k_most_unmerged_at_end = 4 * ShardLedger::k_connections_per_output;

  std::uint32_t shard_of(const decode::TcpSegment& segment) const {
    return thread_shard(segment, m_workers.size());
  }

  WorkBatch& filling() {
    WorkBatch& batch = m_ring[m_published % k_ring_size];
    if (!m_filling) {
      wait_for_free_slot();
      batch.items.clear();
      batch.first_item = m_next_item;
      batch.last = false;
      m_filling = true;
    }
    return batch;
  }

  void add(const WorkItem& item) {
    WorkBatch& batch = filling();
    batch.items.push_back(item);
    ++m_next_item;
    if (batch.items.size() == WorkBatch::k_capacity) {
      publish();
    }
  }

  void publish() {
    {
      const std::scoped_lock lock(m_mutex);
      ++m_published;
      m_filling = false;
    }
    m_work_ready.notify_all();
  }

  // The slot to fill next is free once every shard is done with the batch it held; the
  // merge runs meanwhile.
  void wait_for_free_slot() {
    const auto free = [this] {
      return m_published < k_ring_size || least_batches_done() > m_published - k_ring_size;
    };
    merge_until(free, free);
  }

  // Merges what the shards hand over until `done` holds, waiting between rounds until
  // something is handed over, a shard fails or `wake` holds. Both are asked with m_mutex
  // held.
  template <typename Done, typename Wake> void merge_until(Done done, Wake wake) {
    std::unique_lock lock(m_mutex);
    for (;;) {
      take_outboxes(lock);
      rethrow_failure();
      lock.unlock();
      m_merge.replay();
      lock.lock();
      note_merged();
      if (done()) {
        return;
      }
      m_shard_done.wait(lock, [&] { return any_outbox() || m_failure || wake(); });
    }
  }

  std::uint64_t least_batches_done() const {
    std::uint64_t least = m_published;
    for (const auto& worker : m_workers) {
      least = std::min(least, worker->batches_done);
    }
    return least;
  }

  bool any_outbox() const {
    return std::any_of(m_outboxes.begin(), m_outboxes.end(),
                       [](const std::vector<ShardOutput>& box) { return !box.empty(); });
  }

  // With m_mutex held (`lock`): hands what the shards wrote to the merge.
  void take_outboxes(std::unique_lock<std::mutex>& lock) {
    std::vector<std::pair<std::size_t, ShardOutput>> taken;
    for (std::size_t shard = 0; shard < m_outboxes.size(); ++shard) {
      for (ShardOutput& output : m_outboxes[shard]) {
        taken.emplace_back(shard, std::move(output));
      }
      m_outboxes[shard].clear();
    }
    lock.unlock();
    for (auto& [shard, output] : taken) {
      m_merge.add(shard, std::move(output));
    }
    lock.lock();
  }

  // With m_mutex held: lets the shards waiting for the merge at the end go on.
  void note_merged() {
    for (std::size_t shard = 0; shard < m_workers.size(); ++shard) {
      m_workers[shard]->connections_merged = m_merge.connections_replayed(shard);
    }
    m_merged.notify_all();
  }

  // A shard's output handed over before its batch is done (ShardLedger::hand_over_with).
  void hand_over(std::size_t shard, ShardOutput output) {
    Worker& worker = *m_workers[shard];
    {
      std::unique_lock lock(m_mutex);
      worker.connections_handed += output.connections.size();
      m_outboxes[shard].push_back(std::move(output));
      m_shard_done.notify_all();
      // Only at the end: before it, a shard may wait for others (ShardBoard), which must
      // then not wait for the merge in turn, and a batch holds few connections anyway.
      if (worker.ending) {
        m_merged.wait(lock, [&] {
          return m_stopping ||
                 worker.connections_handed - worker.connections_merged <= k_most_unmerged_at_end;
        });
      }
    }
  }

  void rethrow_failure() {
    if (m_failure) {
      std::rethrow_exception(m_failure);
    }
  }

  void run(std::size_t shard) {
    Worker& worker = *m_workers[shard];
    try {
      for (std::uint64_t next = 0;; ++next) {
        {
          std::unique_lock lock(m_mutex);
          m_work_ready.wait(lock, [&] { return m_published > next || m_stopping; });
          if (m_stopping) {
            return;
          }
        }
        const WorkBatch& batch = m_ring[next % k_ring_size];
        // Read before the batch is given back: the slot may then be filled again at once.
        const bool last = batch.last;
        follow(worker, shard, batch);
        hand_over(shard, worker.ledger.take_output());
        if (last) {
          {
            const std::scoped_lock lock(m_mutex);
            worker.ending = true;
          }
          worker.ledger.begin_item(ShardPosition::k_end);
          worker.reconstructor->finish(batch.capture_end);
          ShardOutput output = worker.ledger.take_output();
          output.complete_before = ShardPosition::k_end;
          output.ended = true;
          hand_over(shard, std::move(output));
          worker.reconstructor.reset();
        }
        {
          const std::scoped_lock lock(m_mutex);
          worker.batches_done = next + 1;
        }
        m_shard_done.notify_all();
        if (last) {
          return;
        }
      }
    } catch (...) {
      m_board.abandon();
      {
        const std::scoped_lock lock(m_mutex);
        if (!m_failure) {
          m_failure = std::current_exception();
        }
      }
      m_shard_done.notify_all();
    }
  }

  static void follow(Worker& worker, std::size_t shard, const WorkBatch& batch) {
    std::uint64_t item = batch.first_item;
    for (const WorkItem& work : batch.items) {
      worker.ledger.begin_item(item);
      const bool own = work.shard == shard;
      switch (work.kind) {
      case WorkItem::Kind::segment:
        if (own) {
          worker.reconstructor->on_segment(work.segment, work.time, work.packet_number);
        } else {
          worker.reconstructor->advance_to(work.time);
        }
        break;
      case WorkItem::Kind::bad_checksum:
        if (own) {
          worker.reconstructor->on_bad_checksum(work.segment);
        }
        break;
      case WorkItem::Kind::clock:
        worker.reconstructor->advance_to(work.time);
        break;
      }
      worker.ledger.end_item();
      ++item;
    }
  }

  void stop() {
    {
      const std::scoped_lock lock(m_mutex);
      m_stopping = true;
    }
    m_board.abandon();
    m_work_ready.notify_all();
    m_merged.notify_all();
    for (const auto& worker : m_workers) {
      if (worker->thread.joinable()) {
        worker->thread.join();
      }
    }
  }

  // The merge stops where one thread would evict (ShardsCannotEvict), and must do so while
  // the segment it stops at is being handed over: m_held_bound, the connections the merge
  // holds plus one for each segment handed over since it last caught up, bounds what one
  // thread holds at any segment so far. Once it reaches the limit the merge catches up.
  std::uint64_t m_max_connections;
  std::uint64_t m_held_bound = 0;
  ShardBoard m_board;
  ShardMerge m_merge;
  std::vector<std::unique_ptr<Worker>> m_workers;
  std::array<WorkBatch, k_ring_size> m_ring;
  bool m_filling = false;        // m_ring[m_published % k_ring_size] is being filled
  std::uint64_t m_next_item = 0; // the index the next segment gets

  std::mutex m_mutex;
  std::condition_variable m_work_ready;
  std::condition_variable m_shard_done;
  std::condition_variable m_merged;
  std::uint64_t m_published = 0; // batches handed to the shards, ever
  bool m_stopping = false;
  std::exception_ptr m_failure;
  std::vector<std::vector<ShardOutput>> m_outboxes; // per shard, not yet merged
};

ShardedReconstructor::ShardedReconstructor(const AnalysisConfig& config, ReportReceiver& reports,
                                           std::size_t shards, EventObserver* events)
    : m_impl(std::make_unique<Impl>(config, reports, std::max<std::size_t>(shards, 1), events)) {}

ShardedReconstructor::~ShardedReconstructor() = default;

void ShardedReconstructor::on_segment(const decode::TcpSegment& segment, TimeNs time,
                                      std::uint64_t packet_number) {
  m_impl->on_segment(segment, time, packet_number);
}

void ShardedReconstructor::on_bad_checksum(const decode::TcpSegment& segment) {
  m_impl->on_bad_checksum(segment);
}

void ShardedReconstructor::advance_to(TimeNs now) {
  m_impl->advance_to(now);
}

void ShardedReconstructor::finish(TimeNs capture_end) {
  m_impl->finish(capture_end);
}

std::size_t ShardedReconstructor::open_connections() const {
  return m_impl->open_connections();
}

} // namespace tcpstate::conn
