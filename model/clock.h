// Clock: where the scheduling parts of cogwatch (scrape manager, rule
// schedule) read "now" as a Timestamp, so tests can run them on time they
// step instead of the system's. Timestamps stored with samples come from a
// Clock; durations of work (how long a scrape or a rule evaluation took)
// are measured with a Stopwatch, on the monotonic clock, whatever Clock is
// in use — a stepped clock says nothing about how long work took.
//
//   const Clock& clock = system_clock();        // the daemon
//   ManualClock clock(1'700'000'000'000);      // a test
//   ScrapeManager manager(io, head, {.clock = &clock});
//   clock.advance(15 * kSecond);               // the next scrapes see it
//
//   Stopwatch watch;
//   ...work...
//   Duration took = watch.elapsed();
//
// Thread-safety: now() may be called from any thread on every Clock here;
// ManualClock's set() and advance() too (the time is an atomic). A
// Stopwatch is a value used by one thread.
#pragma once

#include <atomic>
#include <chrono>

#include "model/time.h"

namespace cogwatch {

class Clock {
 public:
  virtual ~Clock() = default;
  // The current time in milliseconds since the Unix epoch.
  virtual Timestamp now() const = 0;
};

// The system's wall clock (std::chrono::system_clock), truncated to ms.
class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

// The process's one SystemClock: the default wherever a Clock is optional.
const Clock& system_clock();

// Time that moves only when told to: for tests of schedulers.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start) {}
  Timestamp now() const override { return now_.load(std::memory_order_relaxed); }
  void set(Timestamp t) { now_.store(t, std::memory_order_relaxed); }
  void advance(Duration d) { now_.fetch_add(d, std::memory_order_relaxed); }

 private:
  std::atomic<Timestamp> now_;
};

// Measures elapsed time on the monotonic (steady) clock, in ms, so a wall
// clock step never makes a duration negative or huge.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  // Milliseconds since construction (truncated).
  Duration elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
  }
  // Seconds since construction, with the clock's full resolution (for rates
  // of fast work, where whole milliseconds are too coarse).
  double elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cogwatch
