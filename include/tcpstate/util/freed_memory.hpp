#pragma once
// Memory freed on a thread stays with that thread's malloc arena: another thread never
// reuses it, and it stays in the process's resident set until the process ends. Where the
// threads that analysed a capture are done with their part, this gives it back to the
// system, so that what runs next (a one-thread reading, the summary's diagnosis) starts
// from what it needs rather than on top of what they left.
namespace tcpstate::util {

// Returns to the system the free memory of every malloc arena (glibc); nothing elsewhere.
void return_freed_memory();

} // namespace tcpstate::util
