#include "follow.hpp"

#include "capture_pass.hpp"
#include "color_choice.hpp"
#include "ladder_collector.hpp"

#include "tcpstate/conn/connection_key.hpp"
#include "tcpstate/conn/reconstructor.hpp"

#include <limits>
#include <ostream>
#include <string>

namespace tcpstate::cli {
namespace {

// One connection is drawn in full up to here; beyond, the header says how many were left
// out. 40 bytes a packet: 40 MB at most.
constexpr std::size_t k_follow_packet_cap = 1'000'000;

} // namespace

ExitCode run_follow(const Options& options, std::ostream& out, std::ostream& err) {
  const ConnectionTarget& target = options.pictures.follow;
  std::unique_ptr<LadderCollector> collector;
  if (target.by_tuple) {
    collector = std::make_unique<LadderCollector>(
        conn::key_between(target.address_a, target.port_a, target.address_b, target.port_b),
        k_follow_packet_cap);
  } else {
    collector = std::make_unique<LadderCollector>(std::vector<std::uint64_t>{target.conn_id},
                                                  k_follow_packet_cap,
                                                  std::numeric_limits<std::size_t>::max());
  }
  conn::Reconstructor reconstructor(options.analysis, *collector, collector.get());
  const PassResult pass = replay_inputs(options, reconstructor, *collector);
  for (const auto& line : pass.input_errors) {
    err << "tcpstate: " << line << '\n';
  }
  reconstructor.finish(pass.last_clock);

  std::vector<sink::Ladder> ladders = collector->take();
  // --conn as well: the ladder must be of that connection too.
  const ConnectionTarget& selected = options.selected;
  if (!ladders.empty() && selected.enabled &&
      !selected.matches(ladders.front().conn_id, ladders.front().client_address,
                        ladders.front().client_port, ladders.front().server_address,
                        ladders.front().server_port)) {
    err << "tcpstate: --follow " << target.text << ": connection " << ladders.front().conn_id
        << " is not the one --conn " << selected.text << " names\n";
    return pass.input_errors.empty() ? ExitCode::usage : ExitCode::input_error;
  }
  if (ladders.empty()) {
    err << "tcpstate: --follow " << target.text << ": no such connection in the capture ("
        << collector->connections_seen() << " connection"
        << (collector->connections_seen() == 1 ? "" : "s") << ")\n";
    return pass.input_errors.empty() ? ExitCode::usage : ExitCode::input_error;
  }
  std::string text;
  sink::append_ladder_text(text, ladders.front(), use_color(options.pictures.color));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  return pass.input_errors.empty() ? ExitCode::success : ExitCode::input_error;
}

} // namespace tcpstate::cli
