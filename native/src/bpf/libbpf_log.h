// Captures libbpf's messages (warnings and info, not debug) so that a failing open/load/attach can
// say why. libbpf calls its print callback on the thread making the libbpf call, so the capture is
// thread-local: each JS thread (main or worker) sees only its own calls' lines.
#pragma once

#include <string>

namespace kwire {

// Installs the print callback once per process.
void InstallLibbpfLog();

// Forgets the lines captured so far on this thread; call before each libbpf operation.
void ClearLibbpfLog();

// The last `max_lines` lines captured on this thread (at most `max_chars`, keeping the end),
// joined with "\n"; empty if none.
std::string LibbpfLogTail(size_t max_lines, size_t max_chars);

}  // namespace kwire
