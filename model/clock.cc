#include "model/clock.h"

namespace cogwatch {

Timestamp SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace cogwatch
