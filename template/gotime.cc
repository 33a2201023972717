// Go's time.Time (in UTC) and time.Duration as templates see them after
// toTime and toDuration: how they print (Time.String, Duration.String,
// Time.Format's layouts) and the methods a template may call on them.
#include <array>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "template/internal/ast.h"

namespace cogwatch::tmpl::internal {

int64_t go_float_to_int64(double v) {
  // CVTTSD2SQ: NaN and anything outside [-2^63, 2^63) give 0x8000000000000000.
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kMinDuration = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxDuration = std::numeric_limits<int64_t>::max();

constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",   "May",      "June",
                                                 "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<const char*, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};

// The calendar fields of a UTC time (proleptic Gregorian, as Go).
struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
  int weekday;  // 0 = Sunday
  int yday;     // 1..366
};

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Civil civil(const GoTime& t) {
  Civil c{};
  const int64_t days = floor_div(t.unix_sec, 86400);
  const int64_t secs = t.unix_sec - days * 86400;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  c.weekday = static_cast<int>((days % 7 + 11) % 7);  // 1970-01-01 was a Thursday
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  c.yday = static_cast<int>(days - days_from_civil(c.year, 1, 1) + 1);
  return c;
}

// Go's appendInt: at least `width` digits, zero-padded, sign first.
void append_int(std::string& out, int64_t v, int width) {
  uint64_t u = static_cast<uint64_t>(v);
  if (v < 0) {
    out += '-';
    u = 0 - u;
  }
  std::string digits = std::to_string(u);
  if (static_cast<int>(digits.size()) < width) out.append(static_cast<size_t>(width) - digits.size(), '0');
  out += digits;
}

bool starts_with_lower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }

// Time.Format (time/format.go's nextStdChunk and appendFormat) for a UTC
// time: zone name "UTC", numeric offsets +0000, Z-offsets "Z".
std::string format_time(const GoTime& t, std::string_view layout) {
  const Civil c = civil(t);
  std::string out;
  size_t i = 0;
  auto rest = [&](size_t from) { return layout.substr(from); };
  while (i < layout.size()) {
    const std::string_view r = rest(i);
    auto take = [&](size_t n) { i += n; };
    switch (layout[i]) {
      case 'J':
        if (r.starts_with("January")) {
          out += kMonths[c.month - 1];
          take(7);
          continue;
        }
        if (r.starts_with("Jan") && !starts_with_lower(r.substr(3))) {
          out += std::string_view(kMonths[c.month - 1]).substr(0, 3);
          take(3);
          continue;
        }
        break;
      case 'M':
        if (r.starts_with("Monday")) {
          out += kWeekdays[c.weekday];
          take(6);
          continue;
        }
        if (r.starts_with("Mon") && !starts_with_lower(r.substr(3))) {
          out += std::string_view(kWeekdays[c.weekday]).substr(0, 3);
          take(3);
          continue;
        }
        if (r.starts_with("MST")) {
          out += "UTC";
          take(3);
          continue;
        }
        break;
      case '0':
        if (r.size() >= 2 && r[1] >= '1' && r[1] <= '6') {
          switch (r[1]) {
            case '1':
              append_int(out, c.month, 2);
              break;
            case '2':
              append_int(out, c.day, 2);
              break;
            case '3':
              append_int(out, c.hour % 12 == 0 ? 12 : c.hour % 12, 2);
              break;
            case '4':
              append_int(out, c.minute, 2);
              break;
            case '5':
              append_int(out, c.second, 2);
              break;
            case '6':
              append_int(out, (c.year < 0 ? -c.year : c.year) % 100, 2);
              break;
          }
          take(2);
          continue;
        }
        if (r.starts_with("002")) {
          append_int(out, c.yday, 3);
          take(3);
          continue;
        }
        break;
      case '1':
        if (r.starts_with("15")) {
          append_int(out, c.hour, 2);
          take(2);
        } else {
          append_int(out, c.month, 0);
          take(1);
        }
        continue;
      case '2':
        if (r.starts_with("2006")) {
          append_int(out, c.year, 4);
          take(4);
        } else {
          append_int(out, c.day, 0);
          take(1);
        }
        continue;
      case '_':
        if (r.starts_with("_2006")) {  // a literal _ and the year
          out += '_';
          take(1);
          continue;
        }
        if (r.starts_with("_2")) {
          if (c.day < 10) out += ' ';
          append_int(out, c.day, 0);
          take(2);
          continue;
        }
        if (r.starts_with("__2")) {
          if (c.yday < 100) out += c.yday < 10 ? "  " : " ";
          append_int(out, c.yday, 0);
          take(3);
          continue;
        }
        break;
      case '3':
        append_int(out, c.hour % 12 == 0 ? 12 : c.hour % 12, 0);
        take(1);
        continue;
      case '4':
        append_int(out, c.minute, 0);
        take(1);
        continue;
      case '5':
        append_int(out, c.second, 0);
        take(1);
        continue;
      case 'P':
        if (r.starts_with("PM")) {
          out += c.hour >= 12 ? "PM" : "AM";
          take(2);
          continue;
        }
        break;
      case 'p':
        if (r.starts_with("pm")) {
          out += c.hour >= 12 ? "pm" : "am";
          take(2);
          continue;
        }
        break;
      case '-':
      case 'Z': {
        // Offsets; the offset of UTC is zero, which the Z forms write as "Z".
        static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kNumeric = {
            {{"070000", "+000000"}, {"07:00:00", "+00:00:00"}, {"0700", "+0000"}, {"07:00", "+00:00"}, {"07", "+00"}}};
        bool matched = false;
        for (const auto& [pattern, text] : kNumeric) {
          if (r.substr(1).starts_with(pattern)) {
            out += layout[i] == 'Z' ? std::string_view("Z") : text;
            take(1 + pattern.size());
            matched = true;
            break;
          }
        }
        if (matched) continue;
        break;
      }
      case '.':
      case ',':
        // .000 / .999 (or with a comma): fractional seconds, when the run of
        // digits ends the chunk.
        if (r.size() >= 2 && (r[1] == '0' || r[1] == '9')) {
          size_t j = 1;
          while (j < r.size() && r[j] == r[1]) ++j;
          if (j >= r.size() || r[j] < '0' || r[j] > '9') {
            const size_t digits = j - 1;
            const bool trim = r[1] == '9';
            if (!(trim && t.nsec == 0)) {
              std::string frac;
              append_int(frac, t.nsec, 9);
              if (digits < 9) frac.resize(digits);
              if (trim) {
                while (!frac.empty() && frac.back() == '0') frac.pop_back();
              }
              if (!frac.empty() || !trim) out += layout[i] + frac;
            }
            take(j);
            continue;
          }
        }
        break;
      default:
        break;
    }
    out += layout[i];
    take(1);
  }
  return out;
}

// Adds with Go's saturation (Time.addSec).
int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? std::numeric_limits<int64_t>::max() : kMinDuration;
  return sum;
}

GoTime add(const GoTime& t, int64_t d) {
  int64_t dsec = d / kNanosPerSecond;
  int64_t nsec = t.nsec + d % kNanosPerSecond;
  if (nsec >= kNanosPerSecond) {
    ++dsec;
    nsec -= kNanosPerSecond;
  } else if (nsec < 0) {
    --dsec;
    nsec += kNanosPerSecond;
  }
  return GoTime{saturating_add(t.unix_sec, dsec), static_cast<int32_t>(nsec)};
}

int compare(const GoTime& a, const GoTime& b) {
  if (a.unix_sec != b.unix_sec) return a.unix_sec < b.unix_sec ? -1 : 1;
  return a.nsec < b.nsec ? -1 : a.nsec > b.nsec ? 1 : 0;
}

// Time.Sub: the difference, saturated to the Duration range.
int64_t sub(const GoTime& t, const GoTime& u) {
  int64_t secs = 0, d = 0;
  if (__builtin_sub_overflow(t.unix_sec, u.unix_sec, &secs) || __builtin_mul_overflow(secs, kNanosPerSecond, &d) ||
      __builtin_add_overflow(d, static_cast<int64_t>(t.nsec - u.nsec), &d)) {
    return compare(t, u) < 0 ? kMinDuration : kMaxDuration;
  }
  return d;
}

int64_t unix_nano(const GoTime& t) {
  return static_cast<int64_t>(static_cast<uint64_t>(t.unix_sec) * kNanosPerSecond + static_cast<uint64_t>(t.nsec));
}

// The receiver's value: a method is called on what a pointer points to.
GoTime time_of(const Value& v) {
  if (const auto* p = std::get_if<TimePtr>(&v.v)) return **p;
  return std::get<GoTime>(v.v);
}
int64_t duration_of(const Value& v) {
  if (const auto* p = std::get_if<DurationPtr>(&v.v)) return (*p)->ns;
  return std::get<GoDuration>(v.v).ns;
}

using Args = std::vector<Value>;

Builtin method(std::vector<Param> params, Result<Value> (*fn)(const Args&)) {
  return Builtin{[fn](const Args& a, const CallContext&) { return fn(a); }, std::move(params), false};
}

// time.Time's methods that need no location or calendar arithmetic beyond
// UTC (Month and Weekday, which return named types, are not among them).
const std::unordered_map<std::string_view, Builtin>& time_methods() {
  using P = Param;
  static const auto* table = new std::unordered_map<std::string_view, Builtin>{
      {"String", method({}, [](const Args& a) -> Result<Value> { return Value{go_time_string(time_of(a[0]))}; })},
      {"Format", method({P::kString},
                        [](const Args& a) -> Result<Value> {
                          return Value{format_time(time_of(a[0]), std::get<std::string>(a[1].v))};
                        })},
      {"Add", method({P::kDuration},
                     [](const Args& a) -> Result<Value> { return Value{add(time_of(a[0]), duration_of(a[1]))}; })},
      {"Sub",
       method({P::kTime},
              [](const Args& a) -> Result<Value> { return Value{GoDuration{sub(time_of(a[0]), time_of(a[1]))}}; })},
      {"Before",
       method({P::kTime},
              [](const Args& a) -> Result<Value> { return Value{compare(time_of(a[0]), time_of(a[1])) < 0}; })},
      {"After",
       method({P::kTime},
              [](const Args& a) -> Result<Value> { return Value{compare(time_of(a[0]), time_of(a[1])) > 0}; })},
      {"Equal",
       method({P::kTime},
              [](const Args& a) -> Result<Value> { return Value{compare(time_of(a[0]), time_of(a[1])) == 0}; })},
      {"Compare", method({P::kTime},
                         [](const Args& a) -> Result<Value> {
                           return Value{static_cast<int64_t>(compare(time_of(a[0]), time_of(a[1])))};
                         })},
      {"UTC", method({}, [](const Args& a) -> Result<Value> { return Value{time_of(a[0])}; })},
      {"Unix", method({}, [](const Args& a) -> Result<Value> { return Value{time_of(a[0]).unix_sec}; })},
      {"UnixMilli", method({},
                           [](const Args& a) -> Result<Value> {
                             const GoTime t = time_of(a[0]);
                             return Value{
                                 static_cast<int64_t>(static_cast<uint64_t>(t.unix_sec) * 1000 + t.nsec / 1'000'000)};
                           })},
      {"UnixMicro", method({},
                           [](const Args& a) -> Result<Value> {
                             const GoTime t = time_of(a[0]);
                             return Value{
                                 static_cast<int64_t>(static_cast<uint64_t>(t.unix_sec) * 1'000'000 + t.nsec / 1000)};
                           })},
      {"UnixNano", method({}, [](const Args& a) -> Result<Value> { return Value{unix_nano(time_of(a[0]))}; })},
      {"Year", method({}, [](const Args& a) -> Result<Value> { return Value{civil(time_of(a[0])).year}; })},
      {"YearDay",
       method({},
              [](const Args& a) -> Result<Value> { return Value{static_cast<int64_t>(civil(time_of(a[0])).yday)}; })},
      {"Day",
       method({},
              [](const Args& a) -> Result<Value> { return Value{static_cast<int64_t>(civil(time_of(a[0])).day)}; })},
      {"Hour",
       method({},
              [](const Args& a) -> Result<Value> { return Value{static_cast<int64_t>(civil(time_of(a[0])).hour)}; })},
      {"Minute",
       method({},
              [](const Args& a) -> Result<Value> { return Value{static_cast<int64_t>(civil(time_of(a[0])).minute)}; })},
      {"Second",
       method({},
              [](const Args& a) -> Result<Value> { return Value{static_cast<int64_t>(civil(time_of(a[0])).second)}; })},
      {"Nanosecond",
       method({}, [](const Args& a) -> Result<Value> { return Value{static_cast<int64_t>(time_of(a[0]).nsec)}; })},
  };
  return *table;
}

// Duration.Round and Truncate, with Go's saturation.
int64_t round_duration(int64_t d, int64_t m) {
  if (m <= 0) return d;
  int64_t r = d % m;
  const auto less_than_half = [](int64_t x, int64_t y) {
    return static_cast<uint64_t>(x) + static_cast<uint64_t>(x) < static_cast<uint64_t>(y);
  };
  if (d < 0) {
    r = -r;
    if (less_than_half(r, m)) return d + r;
    int64_t d1 = 0;
    if (!__builtin_sub_overflow(d, m - r, &d1) && d1 < d) return d1;
    return kMinDuration;
  }
  if (less_than_half(r, m)) return d - r;
  int64_t d1 = 0;
  if (!__builtin_add_overflow(d, m - r, &d1) && d1 > d) return d1;
  return kMaxDuration;
}

// float64(whole) + float64(rest)/unit, as Go's Seconds, Minutes, Hours.
double duration_in(int64_t d, int64_t unit) {
  return static_cast<double>(d / unit) + static_cast<double>(d % unit) / static_cast<double>(unit);
}

const std::unordered_map<std::string_view, Builtin>& duration_methods() {
  using P = Param;
  static const auto* table = new std::unordered_map<std::string_view, Builtin>{
      {"String",
       method({}, [](const Args& a) -> Result<Value> { return Value{go_duration_string(duration_of(a[0]))}; })},
      {"Seconds",
       method({},
              [](const Args& a) -> Result<Value> { return Value{duration_in(duration_of(a[0]), kNanosPerSecond)}; })},
      {"Minutes", method({},
                         [](const Args& a) -> Result<Value> {
                           return Value{duration_in(duration_of(a[0]), 60 * kNanosPerSecond)};
                         })},
      {"Hours", method({},
                       [](const Args& a) -> Result<Value> {
                         return Value{duration_in(duration_of(a[0]), 3600 * kNanosPerSecond)};
                       })},
      {"Milliseconds", method({}, [](const Args& a) -> Result<Value> { return Value{duration_of(a[0]) / 1'000'000}; })},
      {"Microseconds", method({}, [](const Args& a) -> Result<Value> { return Value{duration_of(a[0]) / 1000}; })},
      {"Nanoseconds", method({}, [](const Args& a) -> Result<Value> { return Value{duration_of(a[0])}; })},
      {"Abs", method({},
                     [](const Args& a) -> Result<Value> {
                       const int64_t d = duration_of(a[0]);
                       return Value{GoDuration{d >= 0 ? d : d == kMinDuration ? kMaxDuration : -d}};
                     })},
      {"Round", method({P::kDuration},
                       [](const Args& a) -> Result<Value> {
                         return Value{GoDuration{round_duration(duration_of(a[0]), duration_of(a[1]))}};
                       })},
      {"Truncate", method({P::kDuration},
                          [](const Args& a) -> Result<Value> {
                            const int64_t d = duration_of(a[0]), m = duration_of(a[1]);
                            return Value{GoDuration{m <= 0 ? d : d - d % m}};
                          })},
  };
  return *table;
}

}  // namespace

std::string go_time_string(const GoTime& t) { return format_time(t, "2006-01-02 15:04:05.999999999 -0700 MST"); }

// time.Duration.String (time/time.go's format and fmtFrac).
std::string go_duration_string(int64_t d) {
  uint64_t u = static_cast<uint64_t>(d);
  const bool negative = d < 0;
  if (negative) u = 0 - u;
  // The fraction of v / 10^prec without trailing zeros (and no '.' when it
  // is zero); v becomes the whole part.
  auto frac = [](uint64_t& v, int prec) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; ++i) {
      const auto digit = static_cast<char>('0' + v % 10);
      print = print || digit != '0';
      if (print) digits.insert(digits.begin(), digit);
      v /= 10;
    }
    return print ? "." + digits : std::string();
  };
  std::string out;
  if (u < static_cast<uint64_t>(kNanosPerSecond)) {
    // Below a second: ns, µs or ms with a fraction.
    if (u == 0) return "0s";
    std::string unit;
    int prec = 0;
    if (u < 1000) {
      unit = "ns";
    } else if (u < 1'000'000) {
      unit = "\xC2\xB5s";  // U+00B5 MICRO SIGN
      prec = 3;
    } else {
      unit = "ms";
      prec = 6;
    }
    const std::string f = frac(u, prec);
    out = std::to_string(u) + f + unit;
  } else {
    const std::string f = frac(u, 9);
    out = std::to_string(u % 60) + f + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;  // stops at hours: days differ in length
    }
  }
  return negative ? "-" + out : out;
}

const Builtin* find_method(const Value& receiver, std::string_view name) {
  const std::unordered_map<std::string_view, Builtin>* table = nullptr;
  if (std::holds_alternative<GoTime>(receiver.v) || std::holds_alternative<TimePtr>(receiver.v)) {
    table = &time_methods();
  } else if (std::holds_alternative<GoDuration>(receiver.v) || std::holds_alternative<DurationPtr>(receiver.v)) {
    table = &duration_methods();
  } else {
    return nullptr;
  }
  auto it = table->find(name);
  return it == table->end() ? nullptr : &it->second;
}

}  // namespace cogwatch::tmpl::internal
