#pragma once
// A synthetic but realistic Bedrock model-invocation log (JSON lines, the S3
// delivery format) for demos and tests without an AWS account. Deterministic:
// the records of a UTC day depend only on that day's number, so any window
// over the demo gives the same numbers whatever day the demo "ends" on.
#include <cstdint>
#include <string>

namespace usage {

// The permissions line Bedrock writes first, then the records of the `days`
// UTC days ending at `last_day` (inclusive, a day number as in UsageRow::day),
// oldest first, each day's records in timestamp order.
std::string demo_dataset(std::int64_t last_day, int days = 30);

// Appends the records of one UTC day (no permissions line).
void append_demo_day(std::int64_t day, std::string& out);

}  // namespace usage
