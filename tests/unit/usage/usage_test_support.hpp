#pragma once
// Shared checks for the usage tests.
#include <gtest/gtest.h>

#include "usage/aggregate.hpp"

namespace usage::testing {

// Every total, breakdown and skip count of two aggregates agrees.
inline void expect_same(const Aggregate& a, const Aggregate& b) {
  EXPECT_EQ(a.totals, b.totals);
  EXPECT_EQ(a.by_day, b.by_day);
  EXPECT_EQ(a.by_region, b.by_region);
  EXPECT_EQ(a.by_model, b.by_model);
  EXPECT_EQ(a.by_user, b.by_user);
  EXPECT_EQ(a.by_operation, b.by_operation);
  EXPECT_EQ(a.by_model_id, b.by_model_id);
  EXPECT_EQ(a.by_error_code, b.by_error_code);
  EXPECT_EQ(a.by_region_model_id, b.by_region_model_id);
  EXPECT_EQ(a.skipped.non_json, b.skipped.non_json);
  EXPECT_EQ(a.skipped.bad_timestamp, b.skipped.bad_timestamp);
  EXPECT_EQ(a.skipped.not_invocation, b.skipped.not_invocation);
  EXPECT_EQ(a.skipped.out_of_window, b.skipped.out_of_window);
}

}  // namespace usage::testing
