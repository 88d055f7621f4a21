// The shards' ledger (src/conn/shard_ledger.hpp): the records a shard hands the merge, and
// the capture's shape one shard learns from the others as of a given segment.
#include "conn/shard_ledger.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

using tcpstate::conn::CaptureShape;
using tcpstate::conn::Connection;
using tcpstate::conn::ShardBoard;
using tcpstate::conn::ShardLedger;
using tcpstate::conn::ShardOutput;
using tcpstate::conn::ShardPosition;
using tcpstate::conn::ShardRecord;

CaptureShape shape_of(std::uint64_t two_way, std::uint64_t one_sided) {
  CaptureShape shape;
  shape.connections_two_way = two_way;
  shape.connections_one_sided = one_sided;
  return shape;
}

} // namespace

TEST_CASE("shard board: the others' shape as of a segment, never the asker's own") {
  ShardBoard board(3);
  board.log_shape(1, 2, shape_of(1, 0));
  board.log_shape(1, 7, shape_of(2, 5));
  board.log_shape(2, 4, shape_of(0, 1));
  board.log_shape(0, 1, shape_of(100, 100)); // the asker's: never summed
  for (std::size_t shard = 0; shard < 3; ++shard) {
    board.set_progress(shard, 20);
  }
  const auto others = [&](std::uint64_t item) { return board.others_before(0, item); };
  CHECK(others(2).connections_two_way == 0); // segment 2's change is not before segment 2
  CHECK(others(3).connections_two_way == 1);
  CHECK(others(5).connections_one_sided == 1);
  CHECK(others(7).connections_two_way == 1);
  CHECK(others(8).connections_two_way == 2);
  CHECK(others(8).connections_one_sided == 6);
  CHECK(board.others_before(1, 8).connections_two_way == 100);
  CHECK(board.others_before(1, 8).connections_one_sided == 101);
}

TEST_CASE("shard board: a question waits for the shards behind it, and only for them") {
  ShardBoard board(2);
  board.set_progress(0, 10);
  std::thread behind([&board] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    board.log_shape(1, 5, shape_of(3, 0));
    board.set_progress(1, 9);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    board.log_shape(1, 9, shape_of(4, 0));
    board.set_progress(1, 10);
    board.log_shape(1, 10, shape_of(9, 9)); // after the question's segment
    board.set_progress(1, 11);
  });
  // Shard 1 has done nothing yet: the answer must wait for all of segments 0 to 9.
  const CaptureShape seen = board.others_before(0, 10);
  behind.join();
  CHECK(seen.connections_two_way == 4);
  CHECK(seen.connections_one_sided == 0);
}

TEST_CASE("shard board: a long log is cut back to what can still be asked") {
  ShardBoard board(2);
  std::uint64_t item = 0;
  for (int round = 0; round < 5; ++round) {
    for (int change = 0; change < 3000; ++change, ++item) {
      board.log_shape(1, item, shape_of(item + 1, 0));
      board.set_progress(1, item + 1);
    }
    // Shard 0 asks about a segment not yet behind the least progress.
    board.set_progress(0, item - 10);
    CHECK(board.others_before(0, item - 10).connections_two_way == item - 10);
  }
}

TEST_CASE("shard ledger: records by position, the shape before a finished connection") {
  ShardBoard board(1);
  ShardLedger ledger(board, 0, false);
  CaptureShape shape;
  ledger.watch(shape);
  std::vector<ShardOutput> handed;
  ledger.hand_over_with([&handed](ShardOutput output) { handed.push_back(std::move(output)); });

  ledger.begin_item(0);
  ledger.at_segment();
  ledger.began(1, 0);
  shape.connections_two_way = 1;
  ledger.end_item();
  ledger.begin_item(1);
  ledger.at_due_check(5, 1);
  shape.segments_missed = 2;
  Connection finished;
  finished.conn_id = 1;
  ledger.finished(std::move(finished), 5);
  ledger.at_due_check(6, 1); // no record here: no unit either
  ledger.end_item();
  const ShardOutput output = ledger.take_output();

  CHECK(output.complete_before == 2);
  REQUIRE(output.units.size() == 2);
  CHECK(output.units[0].position.item == 0);
  CHECK(output.units[0].position.phase == ShardPosition::Phase::segment);
  REQUIRE(output.units[0].records == 2);
  CHECK(output.records[0].kind == ShardRecord::Kind::began);
  CHECK(output.records[1].kind == ShardRecord::Kind::shape_changed);
  CHECK(output.records[1].shape.two_way == 1);
  CHECK(output.units[1].position.phase == ShardPosition::Phase::due_check);
  CHECK(output.units[1].position.due == 5);
  REQUIRE(output.units[1].records == 2);
  CHECK(output.records[2].kind == ShardRecord::Kind::shape_changed);
  CHECK(output.records[2].shape.segments_missed == 2);
  CHECK(output.records[3].kind == ShardRecord::Kind::finished);
  CHECK(output.connections.at(output.records[3].connection).conn_id == 1);
  CHECK(handed.empty());

  // Many connections finished within one segment go to the merge in parts, and that
  // segment is not complete in any of them.
  ledger.begin_item(2);
  for (std::size_t count = 0; count < 3 * ShardLedger::k_connections_per_output; ++count) {
    ledger.finished(Connection{}, 7);
  }
  REQUIRE(handed.size() == 3);
  for (const ShardOutput& part : handed) {
    CHECK(part.complete_before == 2);
    CHECK(part.connections.size() == ShardLedger::k_connections_per_output);
  }
}
