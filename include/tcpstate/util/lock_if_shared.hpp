#pragma once
// State that threads share only in some runs (the workers of a live --fanout) is locked
// through this: a lock on `mutex` when there is one, and only a null check otherwise.
#include <mutex>

namespace tcpstate {

inline std::unique_lock<std::mutex> lock_if_shared(std::mutex* mutex) {
  return mutex != nullptr ? std::unique_lock<std::mutex>(*mutex) : std::unique_lock<std::mutex>();
}

} // namespace tcpstate
