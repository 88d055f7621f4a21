#include "tcpstate/util/freed_memory.hpp"

#include <malloc.h>

namespace tcpstate::util {

void return_freed_memory() {
#ifdef __GLIBC__
  malloc_trim(0); // every arena, and every free page within them (glibc 2.8 on)
#endif
}

} // namespace tcpstate::util
