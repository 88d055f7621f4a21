#pragma once
// The diagnosis' findings in the text formats: the table summary's "Diagnosis" section,
// the --summary CSV rows and JSONL lines. Each writes nothing when there is no finding, so
// a healthy capture's output reads as before.
#include "tcpstate/diagnosis/finding.hpp"

#include <string>
#include <vector>

namespace tcpstate::sink {

void append_diagnosis_table(std::string& out, const std::vector<diagnosis::Finding>& findings);
void append_diagnosis_csv(std::string& out, const std::vector<diagnosis::Finding>& findings);
void append_diagnosis_json(std::string& out, const std::vector<diagnosis::Finding>& findings);

} // namespace tcpstate::sink
