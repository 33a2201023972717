#include "notify/config.h"

namespace cogwatch::notify {

const ReceiverConfig* NotifyConfig::receiver(std::string_view name) const {
  for (const ReceiverConfig& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace cogwatch::notify
