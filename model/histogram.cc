#include "model/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "model/internal/histogram_buckets.h"
#include "model/value.h"

namespace cogwatch {
namespace {

// The bounds in [0.5, 1) of schemas 0..8, schema s at offset 2^s - 1, taken
// from Prometheus (model/histogram/generic.go, Apache 2.0). They are not
// all correctly rounded powers of two (some are one ulp below), and bounds
// must equal Prometheus's to the bit: they are printed by the API and
// decide which bucket a value falls in.
constexpr double kExponentialBounds[] = {
// Schema 0.
    0.5,
// Schema 1.
    0.5, 0.7071067811865475,
// Schema 2.
    0.5, 0.5946035575013605, 0.7071067811865475, 0.8408964152537144,
// Schema 3.
    0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048,
    0.7071067811865475, 0.7711054127039704, 0.8408964152537144, 0.9170040432046711,
// Schema 4.
    0.5, 0.5221368912137069, 0.5452538663326288, 0.5693943173783458,
    0.5946035575013605, 0.620928906036742, 0.6484197773255048, 0.6771277734684463,
    0.7071067811865475, 0.7384130729697496, 0.7711054127039704, 0.805245165974627,
    0.8408964152537144, 0.8781260801866495, 0.9170040432046711, 0.9576032806985735,
// Schema 5.
    0.5, 0.5109485743270583, 0.5221368912137069, 0.5335702003384117,
    0.5452538663326288, 0.5571933712979462, 0.5693943173783458, 0.5818624293887887,
    0.5946035575013605, 0.6076236799902344, 0.620928906036742, 0.6345254785958666,
    0.6484197773255048, 0.6626183215798706, 0.6771277734684463, 0.6919549409819159,
    0.7071067811865475, 0.7225904034885232, 0.7384130729697496, 0.7545822137967112,
    0.7711054127039704, 0.7879904225539431, 0.805245165974627, 0.8228777390769823,
    0.8408964152537144, 0.8593096490612387, 0.8781260801866495, 0.8973545375015533,
    0.9170040432046711, 0.9370838170551498, 0.9576032806985735, 0.9785720620876999,
// Schema 6.
    0.5, 0.5054446430258502, 0.5109485743270583, 0.5165124395106142,
    0.5221368912137069, 0.5278225891802786, 0.5335702003384117, 0.5393803988785598,
    0.5452538663326288, 0.5511912916539204, 0.5571933712979462, 0.5632608093041209,
    0.5693943173783458, 0.5755946149764913, 0.5818624293887887, 0.5881984958251406,
    0.5946035575013605, 0.6010783657263515, 0.6076236799902344, 0.6142402680534349,
    0.620928906036742, 0.6276903785123455, 0.6345254785958666, 0.6414350080393891,
    0.6484197773255048, 0.6554806057623822, 0.6626183215798706, 0.6698337620266515,
    0.6771277734684463, 0.6845012114872953, 0.6919549409819159, 0.6994898362691555,
    0.7071067811865475, 0.7148066691959849, 0.7225904034885232, 0.7304588970903234,
    0.7384130729697496, 0.7464538641456323, 0.7545822137967112, 0.762799075372269,
    0.7711054127039704, 0.7795022001189185, 0.7879904225539431, 0.7965710756711334,
    0.805245165974627, 0.8140137109286738, 0.8228777390769823, 0.8318382901633681,
    0.8408964152537144, 0.8500531768592616, 0.8593096490612387, 0.8686669176368529,
    0.8781260801866495, 0.8876882462632604, 0.8973545375015533, 0.9071260877501991,
    0.9170040432046711, 0.9269895625416926, 0.9370838170551498, 0.9472879907934827,
    0.9576032806985735, 0.9680308967461471, 0.9785720620876999, 0.9892280131939752,
// Schema 7.
    0.5, 0.5027149505564014, 0.5054446430258502, 0.5081891574554764,
    0.5109485743270583, 0.5137229745593818, 0.5165124395106142, 0.5193170509806894,
    0.5221368912137069, 0.5249720429003435, 0.5278225891802786, 0.5306886136446309,
    0.5335702003384117, 0.5364674337629877, 0.5393803988785598, 0.5423091811066545,
    0.5452538663326288, 0.5482145409081883, 0.5511912916539204, 0.5541842058618393,
    0.5571933712979462, 0.5602188762048033, 0.5632608093041209, 0.5663192597993595,
    0.5693943173783458, 0.572486072215902, 0.5755946149764913, 0.5787200368168754,
    0.5818624293887887, 0.585021884841625, 0.5881984958251406, 0.5913923554921704,
    0.5946035575013605, 0.5978321960199137, 0.6010783657263515, 0.6043421618132907,
    0.6076236799902344, 0.6109230164863786, 0.6142402680534349, 0.6175755319684665,
    0.620928906036742, 0.6243004885946023, 0.6276903785123455, 0.6310986751971253,
    0.6345254785958666, 0.637970889198196, 0.6414350080393891, 0.6449179367033329,
    0.6484197773255048, 0.6519406325959679, 0.6554806057623822, 0.659039800633032,
    0.6626183215798706, 0.6662162735415805, 0.6698337620266515, 0.6734708931164728,
    0.6771277734684463, 0.6808045103191123, 0.6845012114872953, 0.688217985377265,
    0.6919549409819159, 0.6957121878859629, 0.6994898362691555, 0.7032879969095076,
    0.7071067811865475, 0.7109463010845827, 0.7148066691959849, 0.718687998724491,
    0.7225904034885232, 0.7265139979245261, 0.7304588970903234, 0.7344252166684908,
    0.7384130729697496, 0.7424225829363761, 0.7464538641456323, 0.7505070348132126,
    0.7545822137967112, 0.7586795205991071, 0.762799075372269, 0.7669409989204777,
    0.7711054127039704, 0.7752924388424999, 0.7795022001189185, 0.7837348199827764,
    0.7879904225539431, 0.7922691326262467, 0.7965710756711334, 0.8008963778413465,
    0.805245165974627, 0.8096175675974316, 0.8140137109286738, 0.8184337248834821,
    0.8228777390769823, 0.8273458838280969, 0.8318382901633681, 0.8363550898207981,
    0.8408964152537144, 0.8454623996346523, 0.8500531768592616, 0.8546688815502312,
    0.8593096490612387, 0.8639756154809185, 0.8686669176368529, 0.8733836930995842,
    0.8781260801866495, 0.8828942179666361, 0.8876882462632604, 0.8925083056594671,
    0.8973545375015533, 0.9022270839033115, 0.9071260877501991, 0.9120516927035263,
    0.9170040432046711, 0.9219832844793128, 0.9269895625416926, 0.9320230241988943,
    0.9370838170551498, 0.9421720895161669, 0.9472879907934827, 0.9524316709088368,
    0.9576032806985735, 0.9628029718180622, 0.9680308967461471, 0.9732872087896164,
    0.9785720620876999, 0.9838856116165875, 0.9892280131939752, 0.9945994234836328,
// Schema 8.
    0.5, 0.5013556375251013, 0.5027149505564014, 0.5040779490592088,
    0.5054446430258502, 0.5068150424757447, 0.5081891574554764, 0.509566998038869,
    0.5109485743270583, 0.5123338964485679, 0.5137229745593818, 0.5151158188430205,
    0.5165124395106142, 0.5179128468009786, 0.5193170509806894, 0.520725062344158,
    0.5221368912137069, 0.5235525479396449, 0.5249720429003435, 0.526395386502313,
    0.5278225891802786, 0.5292536613972564, 0.5306886136446309, 0.5321274564422321,
    0.5335702003384117, 0.5350168559101208, 0.5364674337629877, 0.5379219445313954,
    0.5393803988785598, 0.5408428074966075, 0.5423091811066545, 0.5437795304588847,
    0.5452538663326288, 0.5467321995364429, 0.5482145409081883, 0.549700901315111,
    0.5511912916539204, 0.5526857228508706, 0.5541842058618393, 0.5556867516724088,
    0.5571933712979462, 0.5587040757836845, 0.5602188762048033, 0.5617377836665098,
    0.5632608093041209, 0.564787964283144, 0.5663192597993595, 0.5678547070789026,
    0.5693943173783458, 0.5709381019847808, 0.572486072215902, 0.5740382394200894,
    0.5755946149764913, 0.5771552102951081, 0.5787200368168754, 0.5802891060137493,
    0.5818624293887887, 0.5834400184762408, 0.585021884841625, 0.5866080400818185,
    0.5881984958251406, 0.5897932637314379, 0.5913923554921704, 0.5929957828304968,
    0.5946035575013605, 0.5962156912915756, 0.5978321960199137, 0.5994530835371903,
    0.6010783657263515, 0.6027080545025619, 0.6043421618132907, 0.6059806996384005,
    0.6076236799902344, 0.6092711149137041, 0.6109230164863786, 0.6125793968185725,
    0.6142402680534349, 0.6159056423670379, 0.6175755319684665, 0.6192499490999082,
    0.620928906036742, 0.622612415087629, 0.6243004885946023, 0.6259931389331581,
    0.6276903785123455, 0.6293922197748583, 0.6310986751971253, 0.6328097572894031,
    0.6345254785958666, 0.6362458516947014, 0.637970889198196, 0.6397006037528346,
    0.6414350080393891, 0.6431741147730128, 0.6449179367033329, 0.6466664866145447,
    0.6484197773255048, 0.6501778216898253, 0.6519406325959679, 0.6537082229673385,
    0.6554806057623822, 0.6572577939746774, 0.659039800633032, 0.6608266388015788,
    0.6626183215798706, 0.6644148621029772, 0.6662162735415805, 0.6680225691020727,
    0.6698337620266515, 0.6716498655934177, 0.6734708931164728, 0.6752968579460171,
    0.6771277734684463, 0.6789636531064505, 0.6808045103191123, 0.6826503586020058,
    0.6845012114872953, 0.6863570825438342, 0.688217985377265, 0.690083933630119,
    0.6919549409819159, 0.6938310211492645, 0.6957121878859629, 0.6975984549830999,
    0.6994898362691555, 0.7013863456101023, 0.7032879969095076, 0.7051948041086352,
    0.7071067811865475, 0.7090239421602076, 0.7109463010845827, 0.7128738720527471,
    0.7148066691959849, 0.7167447066838943, 0.718687998724491, 0.7206365595643126,
    0.7225904034885232, 0.7245495448210174, 0.7265139979245261, 0.7284837772007218,
    0.7304588970903234, 0.7324393720732029, 0.7344252166684908, 0.7364164454346837,
    0.7384130729697496, 0.7404151139112358, 0.7424225829363761, 0.7444354947621984,
    0.7464538641456323, 0.7484777058836176, 0.7505070348132126, 0.7525418658117031,
    0.7545822137967112, 0.7566280937263048, 0.7586795205991071, 0.7607365094544071,
    0.762799075372269, 0.7648672334736434, 0.7669409989204777, 0.7690203869158282,
    0.7711054127039704, 0.7731960915705107, 0.7752924388424999, 0.7773944698885442,
    0.7795022001189185, 0.7816156449856788, 0.7837348199827764, 0.7858597406461707,
    0.7879904225539431, 0.7901268813264122, 0.7922691326262467, 0.7944171921585818,
    0.7965710756711334, 0.7987307989543135, 0.8008963778413465, 0.8030678282083853,
    0.805245165974627, 0.8074284071024302, 0.8096175675974316, 0.8118126635086642,
    0.8140137109286738, 0.8162207259936375, 0.8184337248834821, 0.820652723822003,
    0.8228777390769823, 0.8251087869603088, 0.8273458838280969, 0.8295890460808079,
    0.8318382901633681, 0.8340936325652911, 0.8363550898207981, 0.8386226785089391,
    0.8408964152537144, 0.8431763167241966, 0.8454623996346523, 0.8477546807446661,
    0.8500531768592616, 0.8523579048290255, 0.8546688815502312, 0.8569861239649629,
    0.8593096490612387, 0.8616394738731368, 0.8639756154809185, 0.8663180910111553,
    0.8686669176368529, 0.871022112577578, 0.8733836930995842, 0.8757516765159389,
    0.8781260801866495, 0.8805069215187917, 0.8828942179666361, 0.8852879870317771,
    0.8876882462632604, 0.890095013257712, 0.8925083056594671, 0.8949281411607002,
    0.8973545375015533, 0.8997875124702672, 0.9022270839033115, 0.9046732696855155,
    0.9071260877501991, 0.909585556079304, 0.9120516927035263, 0.9145245157024483,
    0.9170040432046711, 0.9194902933879467, 0.9219832844793128, 0.9244830347552253,
    0.9269895625416926, 0.92950288621441, 0.9320230241988943, 0.9345499949706191,
    0.9370838170551498, 0.93962450902828, 0.9421720895161669, 0.9447265771954693,
    0.9472879907934827, 0.9498563490882775, 0.9524316709088368, 0.9550139751351947,
    0.9576032806985735, 0.9601996065815236, 0.9628029718180622, 0.9654133954938133,
    0.9680308967461471, 0.9706554947643201, 0.9732872087896164, 0.9759260581154889,
    0.9785720620876999, 0.9812252401044634, 0.9838856116165875, 0.9865531961276168,
    0.9892280131939752, 0.9919100824251095, 0.9945994234836328, 0.9972960560854698,
};

double exponential_bound(int32_t index, int32_t schema) {
  // The last bucket of finite values ends at DBL_MAX, not at the power of
  // two above it (which overflows to +Inf): +Inf observations have a bucket
  // of their own, one index higher.
  if (schema < 0) {
    int64_t exp = static_cast<int64_t>(index) << -schema;
    if (exp == 1024) return std::numeric_limits<double>::max();
    return std::ldexp(1.0, static_cast<int>(std::clamp<int64_t>(exp, -100000, 100000)));
  }
  int32_t frac_index = index & ((1 << schema) - 1);
  double frac = kExponentialBounds[(1 << schema) - 1 + frac_index];
  int32_t exp = (index >> schema) + 1;
  if (frac == 0.5 && exp == 1025) return std::numeric_limits<double>::max();
  return std::ldexp(frac, exp);
}

void append_bucket_counts(std::string& out, const std::vector<double>& buckets) {
  out += '[';
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (i > 0) out += ' ';
    append_float(out, buckets[i]);
  }
  out += ']';
}

bool same_bits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

// Each side's buckets as Prometheus's iterator yields them: empty ones too.
void for_each_side(const FloatHistogram& h, bool positive, const std::function<void(const HistogramBucket&)>& fn) {
  const auto counts = internal::expand_buckets(positive ? h.positive_spans : h.negative_spans,
                                               positive ? h.positive_buckets : h.negative_buckets);
  const bool custom = h.uses_custom_buckets();
  for (const internal::IndexedCount& c : counts) {
    HistogramBucket b;
    b.count = c.count;
    b.index = c.index;
    double upper = histogram_bucket_bound(c.index, h.schema, h.custom_values);
    double lower = histogram_bucket_bound(c.index - 1, h.schema, h.custom_values);
    if (positive) {
      b.lower = lower, b.upper = upper;
    } else {
      b.lower = -upper, b.upper = -lower;
    }
    if (custom) {
      b.lower_inclusive = c.index == 0;
      b.upper_inclusive = true;
    } else {
      b.lower_inclusive = b.lower < 0;
      b.upper_inclusive = b.upper > 0;
    }
    fn(b);
  }
}

Status check_spans(const HistogramSpans& spans, size_t num_buckets, const char* side) {
  size_t span_buckets = 0;
  // Bucket indices are int32 everywhere (as Prometheus's); a layout whose
  // indices leave that range is refused rather than wrapped (Go wraps
  // silently; in C++ it would be undefined). No real histogram comes near:
  // index 2^31 at schema -4 is 2^(2^35).
  int64_t index = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    if (n > 0 && spans[n].offset < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(side) + " side: span number " + std::to_string(n + 1) + " with offset " +
                            std::to_string(spans[n].offset) + ": histogram has a span whose offset is negative");
    }
    index += spans[n].offset;
    if (spans[n].length > 0 && (index < std::numeric_limits<int32_t>::min() ||
                                index + spans[n].length - 1 > std::numeric_limits<int32_t>::max())) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(side) + " side: span number " + std::to_string(n + 1) +
                            " reaches beyond bucket index " + std::to_string(std::numeric_limits<int32_t>::max()) +
                            ": histogram bucket index out of range");
    }
    index += spans[n].length;
    span_buckets += spans[n].length;
  }
  if (span_buckets != num_buckets) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(side) + " side: spans need " + std::to_string(span_buckets) + " buckets, have " +
                          std::to_string(num_buckets) +
                          " buckets: histogram spans specify different number of buckets than provided");
  }
  return {};
}

// Prometheus's checkHistogramBuckets for integer (delta-encoded) buckets:
// the absolute counts as int64 wrapping as Go's do, none negative; their
// total (wrapping uint64, as Go's) into *total.
Status check_delta_counts(const std::vector<int64_t>& deltas, const char* side, uint64_t* total) {
  uint64_t last = 0;
  for (size_t i = 0; i < deltas.size(); ++i) {
    const uint64_t c = last + static_cast<uint64_t>(deltas[i]);
    if (static_cast<int64_t>(c) < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(side) + " side: bucket number " + std::to_string(i + 1) +
                            " has observation count of " + std::to_string(static_cast<int64_t>(c)) +
                            ": histogram has a bucket whose observation count is negative");
    }
    last = c;
    *total += c;
  }
  return {};
}

Status check_counts(const std::vector<double>& absolute, const char* side) {
  for (size_t i = 0; i < absolute.size(); ++i) {
    if (absolute[i] < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(side) + " side: bucket number " + std::to_string(i + 1) +
                            " has observation count of " + format_float(absolute[i]) +
                            ": histogram has a bucket whose observation count is negative");
    }
  }
  return {};
}

Status check_custom_bounds(const std::vector<double>& bounds, const HistogramSpans& spans, size_t num_buckets) {
  const std::string prefix = "custom buckets: ";
  double prev = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (std::isnan(bounds[i])) {
      return make_error(ErrorCode::kInvalidArgument, prefix + "histogram custom bounds must not be NaN");
    }
    if (i > 0 && bounds[i] <= prev) {
      return make_error(ErrorCode::kInvalidArgument,
                        prefix + "previous bound is " + std::to_string(prev) + " and current is " +
                            std::to_string(bounds[i]) + ": histogram custom bounds must be in strictly increasing order");
    }
    prev = bounds[i];
  }
  if (prev == std::numeric_limits<double>::infinity()) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix + "last +Inf bound must not be explicitly defined: histogram custom bounds must be finite");
  }
  size_t span_buckets = 0, total_length = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    if (spans[n].offset < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        prefix + "span number " + std::to_string(n + 1) + " with offset " +
                            std::to_string(spans[n].offset) + ": histogram has a span whose offset is negative");
    }
    span_buckets += spans[n].length;
    total_length += spans[n].length + static_cast<size_t>(spans[n].offset);
  }
  if (span_buckets != num_buckets) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix + "spans need " + std::to_string(span_buckets) + " buckets, have " +
                          std::to_string(num_buckets) +
                          " buckets: histogram spans specify different number of buckets than provided");
  }
  if (bounds.size() + 1 < total_length) {
    return make_error(ErrorCode::kInvalidArgument,
                      prefix + "only " + std::to_string(bounds.size()) +
                          " custom bounds defined which is insufficient to cover total span length of " +
                          std::to_string(total_length) + ": histogram custom bounds are too few");
  }
  return {};
}

// What both representations check; `positive` and `negative` are absolute.
Status validate_layout(int32_t schema, const HistogramSpans& pos_spans, const std::vector<double>& positive,
                       const HistogramSpans& neg_spans, const std::vector<double>& negative,
                       const std::vector<double>& custom_values, double zero_threshold, double zero_count,
                       double count) {
  if (is_custom_buckets_schema(schema)) {
    if (Status s = check_custom_bounds(custom_values, pos_spans, positive.size()); !s) return s;
    if (zero_count != 0) return make_error(ErrorCode::kInvalidArgument, "custom buckets: must have zero count of 0");
    if (zero_threshold != 0) {
      return make_error(ErrorCode::kInvalidArgument, "custom buckets: must have zero threshold of 0");
    }
    if (!neg_spans.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "custom buckets: must not have negative spans");
    }
    if (!negative.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "custom buckets: must not have negative buckets");
    }
  } else if (is_exponential_schema(schema)) {
    if (Status s = check_spans(pos_spans, positive.size(), "positive"); !s) return s;
    if (Status s = check_spans(neg_spans, negative.size(), "negative"); !s) return s;
    if (Status s = check_counts(negative, "negative"); !s) return s;
    if (zero_count < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "zero bucket has observation count of " + format_float(zero_count) +
                            ": histogram has a bucket whose observation count is negative");
    }
    if (!custom_values.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "histogram with exponential schema must not have custom bounds");
    }
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      "histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or "
                      "-53 for custom buckets, got schema " +
                          std::to_string(schema));
  }
  if (count < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "observation count is  " + format_float(count) + ": histogram's observation count is negative");
  }
  return check_counts(positive, "positive");
}

std::vector<double> absolute_from_deltas(const std::vector<int64_t>& deltas) {
  std::vector<double> out(deltas.size());
  double current = 0;
  for (size_t i = 0; i < deltas.size(); ++i) out[i] = current += static_cast<double>(deltas[i]);
  return out;
}

bool same_buckets(const HistogramSpans& s1, const std::vector<double>& b1, const HistogramSpans& s2,
                  const std::vector<double>& b2) {
  const auto e1 = internal::expand_buckets(s1, b1), e2 = internal::expand_buckets(s2, b2);
  if (e1.size() != e2.size()) return false;
  for (size_t i = 0; i < e1.size(); ++i) {
    if (e1[i].index != e2[i].index || !same_bits(e1[i].count, e2[i].count)) return false;
  }
  return true;
}

}  // namespace

namespace internal {

IndexedCounts expand_buckets(const HistogramSpans& spans, const std::vector<double>& buckets) {
  IndexedCounts out;
  out.reserve(buckets.size());
  int32_t index = 0;
  size_t b = 0;
  for (size_t n = 0; n < spans.size(); ++n) {
    index += spans[n].offset;
    for (uint32_t j = 0; j < spans[n].length; ++j, ++index) {
      if (b >= buckets.size()) return out;
      out.push_back({index, buckets[b++]});
    }
  }
  return out;
}

IndexedCounts expand_delta_buckets(const HistogramSpans& spans, const std::vector<int64_t>& deltas) {
  return expand_buckets(spans, absolute_from_deltas(deltas));
}

void encode_buckets(const IndexedCounts& counts, int max_empty_buckets, HistogramSpans& spans,
                    std::vector<double>& buckets) {
  spans.clear();
  buckets.clear();
  int32_t next_index = 0;  // the index after the last bucket written
  for (const IndexedCount& c : counts) {
    if (c.count == 0) continue;
    if (spans.empty()) {
      spans.push_back({c.index, 1});
    } else {
      int64_t gap = static_cast<int64_t>(c.index) - next_index;
      if (gap <= max_empty_buckets) {
        for (int64_t i = 0; i < gap; ++i) buckets.push_back(0);
        spans.back().length += static_cast<uint32_t>(gap) + 1;
      } else {
        spans.push_back({static_cast<int32_t>(gap), 1});
      }
    }
    buckets.push_back(c.count);
    next_index = c.index + 1;
  }
}

IndexedCounts reduce_buckets(const IndexedCounts& counts, int32_t schema, int32_t target_schema) {
  if (schema == target_schema) return counts;
  IndexedCounts out;
  for (const IndexedCount& c : counts) {
    int32_t target = target_bucket_index(c.index, schema, target_schema);
    if (!out.empty() && out.back().index == target) {
      out.back().count += c.count;
    } else {
      out.push_back({target, c.count});
    }
  }
  return out;
}

}  // namespace internal

double histogram_bucket_bound(int32_t index, int32_t schema, const std::vector<double>& custom_values) {
  if (is_custom_buckets_schema(schema)) {
    const auto n = static_cast<int32_t>(custom_values.size());
    if (index >= n) return std::numeric_limits<double>::infinity();
    if (index < 0) return -std::numeric_limits<double>::infinity();
    return custom_values[static_cast<size_t>(index)];
  }
  return exponential_bound(index, schema);
}

std::string HistogramBucket::to_string() const {
  std::string out(lower_inclusive ? "[" : "(");
  append_float(out, lower);
  out += ',';
  append_float(out, upper);
  out += upper_inclusive ? "]:" : "):";
  append_float(out, count);
  return out;
}

FloatHistogram Histogram::to_float() const {
  FloatHistogram f;
  f.counter_reset_hint = counter_reset_hint;
  f.schema = schema;
  f.count = static_cast<double>(count);
  f.sum = sum;
  if (!uses_custom_buckets()) {
    f.zero_threshold = zero_threshold;
    f.zero_count = static_cast<double>(zero_count);
    f.negative_spans = negative_spans;
    f.negative_buckets = absolute_from_deltas(negative_buckets);
  } else {
    f.custom_values = custom_values;
  }
  f.positive_spans = positive_spans;
  f.positive_buckets = absolute_from_deltas(positive_buckets);
  return f;
}

Status Histogram::validate() const {
  // The integer counts first, exactly as Prometheus's Validate sums them.
  uint64_t in_buckets = 0;
  if (Status s = check_delta_counts(negative_buckets, "negative", &in_buckets); !s) return s;
  if (Status s = check_delta_counts(positive_buckets, "positive", &in_buckets); !s) return s;
  if (Status s = validate_layout(schema, positive_spans, absolute_from_deltas(positive_buckets), negative_spans,
                                 absolute_from_deltas(negative_buckets), custom_values, zero_threshold,
                                 static_cast<double>(zero_count), static_cast<double>(count));
      !s) {
    return s;
  }
  // NaN observations are counted but in no bucket (their sum is NaN).
  in_buckets += zero_count;
  if (std::isnan(sum) ? in_buckets > count : in_buckets != count) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::to_string(in_buckets) + " observations found in buckets, but the Count field is " +
                          std::to_string(count) +
                          (std::isnan(sum) ? ": histogram's observation count should be at least the number of "
                                             "observations found in the buckets"
                                           : ": histogram's observation count should equal the number of "
                                             "observations found in the buckets (in absence of NaN)"));
  }
  return {};
}

bool operator==(const Histogram& a, const Histogram& b) {
  // Buckets compared by index, as Prometheus's spansMatch: {0,2} equals
  // {0,1},{0,1} and an empty span changes nothing.
  return a.schema == b.schema && a.count == b.count && same_bits(a.sum, b.sum) &&
         (!a.uses_custom_buckets() || a.custom_values == b.custom_values) && a.zero_threshold == b.zero_threshold &&
         a.zero_count == b.zero_count &&
         same_buckets(a.positive_spans, absolute_from_deltas(a.positive_buckets), b.positive_spans,
                      absolute_from_deltas(b.positive_buckets)) &&
         same_buckets(a.negative_spans, absolute_from_deltas(a.negative_buckets), b.negative_spans,
                      absolute_from_deltas(b.negative_buckets));
}

Status FloatHistogram::validate() const {
  return validate_layout(schema, positive_spans, positive_buckets, negative_spans, negative_buckets, custom_values,
                         zero_threshold, zero_count, count);
}

void FloatHistogram::for_each_positive(const std::function<void(const HistogramBucket&)>& fn) const {
  for_each_side(*this, true, fn);
}

void FloatHistogram::for_each_negative(const std::function<void(const HistogramBucket&)>& fn) const {
  for_each_side(*this, false, fn);
}

HistogramBucket FloatHistogram::zero_bucket() const {
  HistogramBucket b;
  b.lower = -zero_threshold;
  b.upper = zero_threshold;
  b.lower_inclusive = b.upper_inclusive = true;
  b.count = zero_count;
  return b;
}

void FloatHistogram::for_each_bucket(const std::function<void(const HistogramBucket&)>& fn) const {
  // Buckets partly inside the zero bucket are cut at its edge, as
  // Prometheus's AllBucketIterator does.
  auto clip = [this](HistogramBucket b) {
    if (b.upper < 0 && b.upper > -zero_threshold) b.upper = -zero_threshold;
    if (b.lower > 0 && b.lower < zero_threshold) b.lower = zero_threshold;
    return b;
  };
  std::vector<HistogramBucket> negative;
  for_each_negative([&](const HistogramBucket& b) { negative.push_back(b); });
  for (auto it = negative.rbegin(); it != negative.rend(); ++it) fn(clip(*it));
  if (zero_count > 0) fn(zero_bucket());
  for_each_positive([&](const HistogramBucket& b) { fn(clip(b)); });
}

FloatHistogram& FloatHistogram::compact(int max_empty_buckets) {
  internal::encode_buckets(internal::expand_buckets(positive_spans, positive_buckets), max_empty_buckets,
                           positive_spans, positive_buckets);
  internal::encode_buckets(internal::expand_buckets(negative_spans, negative_buckets), max_empty_buckets,
                           negative_spans, negative_buckets);
  return *this;
}

FloatHistogram& FloatHistogram::mul(double factor) {
  zero_count *= factor;
  count *= factor;
  sum *= factor;
  for (double& b : positive_buckets) b *= factor;
  for (double& b : negative_buckets) b *= factor;
  if (factor < 0) counter_reset_hint = CounterResetHint::kGauge;
  return *this;
}

FloatHistogram& FloatHistogram::div(double divisor) {
  zero_count /= divisor;
  count /= divisor;
  sum /= divisor;
  if (divisor == 0) {
    positive_spans.clear();
    negative_spans.clear();
    positive_buckets.clear();
    negative_buckets.clear();
    return *this;
  }
  for (double& b : positive_buckets) b /= divisor;
  for (double& b : negative_buckets) b /= divisor;
  if (divisor < 0) counter_reset_hint = CounterResetHint::kGauge;
  return *this;
}

std::string FloatHistogram::to_string() const {
  std::string out = "{count:";
  append_float(out, count);
  out += ", sum:";
  append_float(out, sum);
  std::vector<HistogramBucket> negative;
  for_each_negative([&](const HistogramBucket& b) {
    if (b.count != 0) negative.push_back(b);
  });
  for (auto it = negative.rbegin(); it != negative.rend(); ++it) out += ", " + it->to_string();
  if (zero_count != 0) out += ", " + zero_bucket().to_string();
  for_each_positive([&](const HistogramBucket& b) {
    if (b.count != 0) out += ", " + b.to_string();
  });
  out += '}';
  return out;
}

std::string FloatHistogram::test_expression() const {
  FloatHistogram m = *this;
  m.compact(std::numeric_limits<int>::max());  // one span per side
  std::vector<std::string> parts;
  auto add = [&](const char* key, double v) { parts.push_back(std::string(key) + ":" + format_float(v)); };
  if (m.schema != 0) parts.push_back("schema:" + std::to_string(m.schema));
  if (m.count != 0) add("count", m.count);
  if (m.sum != 0) add("sum", m.sum);
  if (m.zero_count != 0) add("z_bucket", m.zero_count);
  if (m.zero_threshold != 0) add("z_bucket_w", m.zero_threshold);
  if (m.uses_custom_buckets()) {
    std::string s = "custom_values:";
    append_bucket_counts(s, m.custom_values);
    parts.push_back(std::move(s));
  }
  switch (m.counter_reset_hint) {
    case CounterResetHint::kUnknown: break;
    case CounterResetHint::kCounterReset: parts.emplace_back("counter_reset_hint:reset"); break;
    case CounterResetHint::kNotCounterReset: parts.emplace_back("counter_reset_hint:not_reset"); break;
    case CounterResetHint::kGauge: parts.emplace_back("counter_reset_hint:gauge"); break;
  }
  auto side = [&](const char* buckets_key, const char* offset_key, const std::vector<double>& buckets,
                  const HistogramSpans& spans) {
    if (!spans.empty() && spans[0].offset != 0) parts.push_back(offset_key + (":" + std::to_string(spans[0].offset)));
    if (!buckets.empty()) {
      std::string s = std::string(buckets_key) + ":";
      append_bucket_counts(s, buckets);
      parts.push_back(std::move(s));
    }
  };
  side("buckets", "offset", m.positive_buckets, m.positive_spans);
  side("n_buckets", "n_offset", m.negative_buckets, m.negative_spans);
  std::string out = "{{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ' ';
    out += parts[i];
  }
  return out + "}}";
}

bool FloatHistogram::equals(const FloatHistogram& o) const {
  return schema == o.schema && same_bits(count, o.count) && same_bits(sum, o.sum) &&
         (!uses_custom_buckets() || custom_values == o.custom_values) && zero_threshold == o.zero_threshold &&
         same_bits(zero_count, o.zero_count) &&
         same_buckets(negative_spans, negative_buckets, o.negative_spans, o.negative_buckets) &&
         same_buckets(positive_spans, positive_buckets, o.positive_spans, o.positive_buckets);
}

}  // namespace cogwatch
