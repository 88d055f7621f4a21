#include "record_store.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace tcpstate::conn::record_pages {

void* allocate() {
  void* memory = std::aligned_alloc(k_page_bytes, k_page_bytes);
  if (memory == nullptr) {
    throw std::bad_alloc();
  }
  // Only a hint: without transparent huge pages the records still work on small pages.
  madvise(memory, k_page_bytes, MADV_HUGEPAGE);
  return memory;
}

void release(void* page) {
  std::free(page);
}

} // namespace tcpstate::conn::record_pages
