#pragma once
// The one operational-failure type: thrown by any layer that cannot go on (a file that
// cannot be opened, a bad filter), caught once in main, printed as one line.
#include <stdexcept>
#include <string>

namespace tcpstate {

enum class ExitCode : int {
  success = 0,
  anomaly_found = 1, // only with --fail-on-anomaly
  usage = 2,
  input_error = 3, // an input could not be read in full; what was read is reported
};

class Fatal : public std::runtime_error {
public:
  Fatal(ExitCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
  ExitCode code() const { return m_code; }

private:
  ExitCode m_code;
};

} // namespace tcpstate
