#pragma once
// Where the pipeline runs the diagnosis: it decides whether the connections' facts are kept
// at all (only when a view shows findings or --fail-on needs them), and derives the
// findings from them just before the sinks write their summaries.
#include "tcpstate/cli/options.hpp"
#include "tcpstate/sink/summary.hpp"

namespace tcpstate::cli {

// Whether some view shows the summary, findings and servers included: the table's (under
// rows, events or alone), --summary in any format, or the HTML report.
bool summary_shown(const Options& options);

bool diagnosis_wanted(const Options& options);

// Fills summary.findings when the facts were kept.
void run_diagnosis(const Options& options, sink::Summary& summary);

// --fail-on: whether a finding reaches the severity asked for.
bool fails_on_findings(const Options& options, const sink::Summary& summary);

} // namespace tcpstate::cli
