#include "bpf/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>

// libbpf's default print function writes to `stderr`; the build renames that reference in our private
// copy of libbpf.a to this hidden variable (see binding.gyp), since the archive is not built as PIC.
extern "C" {
__attribute__((visibility("hidden"))) FILE* kwire_libbpf_stderr = stderr;
}

namespace kwire {
namespace {

constexpr size_t kKeepLines = 64;
thread_local std::deque<std::string> lines;
thread_local std::string partial;  // libbpf sometimes prints one line in several calls
bool show = false;                  // KWIRE_DEBUG=1: libbpf's log on stderr too, as it comes

// libbpf's log is kwire's: kept (the last lines go into a failing call's error, as libbpfLog) and
// silent, unless KWIRE_DEBUG is set (and not 0), when it is printed on stderr as well.
int Print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, format, args);
  if (n < 0) return 0;
  if (show) fputs(buf, stderr);
  partial.append(buf, static_cast<size_t>(n) < sizeof buf ? n : sizeof buf - 1);
  size_t start = 0, nl;
  while ((nl = partial.find('\n', start)) != std::string::npos) {
    if (nl > start) lines.emplace_back(partial, start, nl - start);
    if (lines.size() > kKeepLines) lines.pop_front();
    start = nl + 1;
  }
  partial.erase(0, start);
  return n;
}

}  // namespace

void InstallLibbpfLog() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* debug = getenv("KWIRE_DEBUG");
    show = debug != nullptr && *debug != '\0' && strcmp(debug, "0") != 0;
    libbpf_set_print(Print);
  });
}

void ClearLibbpfLog() {
  lines.clear();
  partial.clear();
}

std::string LibbpfLogTail(size_t max_lines, size_t max_chars) {
  std::string out;
  size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = first; i < lines.size(); i++) {
    if (!out.empty()) out += '\n';
    out += lines[i];
  }
  if (!partial.empty()) out += (out.empty() ? "" : "\n") + partial;
  if (out.size() > max_chars) out = "…" + out.substr(out.size() - max_chars);
  return out;
}

}  // namespace kwire
