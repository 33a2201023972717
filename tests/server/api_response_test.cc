#include "server/api_response.h"

#include <gtest/gtest.h>

namespace cogwatch::server {
namespace {

TEST(ApiResponseTest, SuccessWritesPrometheusFieldOrder) {
  auto r = api_success(R"({"resultType":"scalar","result":[1,"2"]})", {"w<1>"}, {"i"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"scalar","result":[1,"2"]},"warnings":["w\u003c1\u003e"],)"
            R"("infos":["i"]})");
}

TEST(ApiResponseTest, SuccessWithoutDataOrWarningsLeavesThemOut) {
  EXPECT_EQ(api_success("").body, R"({"status":"success"})");
}

TEST(ApiResponseTest, ErrorsCarryTypeAndStatusAsPrometheus) {
  const std::pair<ApiErrorType, int> cases[] = {
      {ApiErrorType::kBadData, 400}, {ApiErrorType::kExecution, 422}, {ApiErrorType::kCanceled, 503},
      {ApiErrorType::kTimeout, 503}, {ApiErrorType::kInternal, 500},  {ApiErrorType::kNotFound, 404},
      {ApiErrorType::kUnavailable, 503}, {ApiErrorType::kNotAcceptable, 406}};
  for (auto [type, status] : cases) EXPECT_EQ(api_error({type, "x"}).status, status) << error_type_name(type);
  EXPECT_EQ(api_error({ApiErrorType::kBadData, "invalid parameter \"query\""}).body,
            R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""})");
}

TEST(ApiResponseTest, QueryErrorsMapAsReturnApiError) {
  EXPECT_EQ(query_error({ErrorCode::kTimeout, "t"}).type, ApiErrorType::kTimeout);
  EXPECT_EQ(query_error({ErrorCode::kCanceled, "c"}).type, ApiErrorType::kCanceled);
  EXPECT_EQ(query_error({ErrorCode::kResourceExhausted, "too many samples"}).type, ApiErrorType::kExecution);
  EXPECT_EQ(query_error({ErrorCode::kInvalidArgument, "dup"}).type, ApiErrorType::kExecution);
}

}  // namespace
}  // namespace cogwatch::server
