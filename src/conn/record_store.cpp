#include "record_store.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace tcpstate::conn::record_pages {

// Pages are mapped and unmapped on their own rather than taken from malloc: a page freed
// in malloc stays with the arena of the thread that made it, so the memory of the shards
// dropped before a capture is read again on one thread (ShardedReconstructor) stayed in
// the process for the rest of the run.
void* allocate() {
  // Twice the size, so that a whole page aligned to its size lies within: a transparent
  // huge page must be aligned.
  constexpr std::size_t span = 2 * k_page_bytes;
  void* mapped = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) {
    throw std::bad_alloc();
  }
  auto* const start = static_cast<std::byte*>(mapped);
  const auto misalignment = reinterpret_cast<std::uintptr_t>(start) % k_page_bytes;
  std::byte* const page = misalignment == 0 ? start : start + (k_page_bytes - misalignment);
  if (page != start) {
    munmap(start, static_cast<std::size_t>(page - start));
  }
  std::byte* const page_end = page + k_page_bytes;
  if (page_end != start + span) {
    munmap(page_end, static_cast<std::size_t>(start + span - page_end));
  }
  // Only a hint: without transparent huge pages the records still work on small pages.
  madvise(page, k_page_bytes, MADV_HUGEPAGE);
  return page;
}

void release(void* page) {
  munmap(page, k_page_bytes);
}

} // namespace tcpstate::conn::record_pages
