#include "selection_command_line.hpp"

#include "tcpstate/util/fatal.hpp"

namespace tcpstate::cli {
namespace {

constexpr const char* k_selection_group = "Selection (after decoding, inside tunnels too)";

} // namespace

void describe_selection(CLI::App& app, SelectionWords& words) {
  app.add_option("--conn", words.conn,
                 "Show one connection in every view: its conn_id,\n"
                 "or ADDR:PORT-ADDR:PORT (IPv6 in [ ])")
      ->type_name("ID")
      ->allow_extra_args(false)
      ->group(k_selection_group);
}

void convert_selection(const SelectionWords& words, Options& options) {
  if (!words.conn) {
    return;
  }
  if (!parse_connection_target(*words.conn, options.selected)) {
    throw Fatal(ExitCode::usage, "--conn: '" + *words.conn +
                                     "' is not a conn_id or ADDR:PORT-ADDR:PORT (IPv6 as "
                                     "[::1]:80-[::1]:8080)");
  }
}

} // namespace tcpstate::cli
