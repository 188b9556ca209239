// ffi_tasks_demo: real Rust tasks driven from C++ through ffi_tasks.
//
// Counts primes and hashes generated data on the ffi_tasks pool, in
// parallel, with a live progress bar read from each task's progress. Ctrl-C
// cancels every running task; the demo then reports what finished and how
// far the rest got. Then (--stream-primes) a stream task finds primes and the
// demo prints each one as it arrives. Run with --help for the options.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include "ffi_tasks/ffi_tasks.hpp"
#include "ffi_tasks/stream.hpp"

// ----- the Rust tasks (cpp/example_tasks/src/lib.rs), one line each

// CountPrimes (counts the primes below `limit`) and HashBuffer (hashes
// `megabytes` MiB of data generated from `seed`): the types are generated
// from the Rust sources by the build (ffi_tasks_add_crate(... HEADER)).
#include "ffi_tasks_example_tasks.h"

FFI_TASKS_CPP_TASK(primes, CountPrimes, std::uint64_t);
FFI_TASKS_CPP_TASK(hash, HashBuffer, std::uint64_t);
// PrimeStream emits the primes below `limit` as it finds them.
FFI_TASKS_CPP_STREAM(prime_stream, PrimeStream, std::uint64_t);
// AsyncProbe is an async Rust task: its future waits, holding no thread,
// until example_probe_release(id) wakes it, then returns {id, value}.
FFI_TASKS_CPP_TASK(async_probe, AsyncProbe, ProbeOutput);

namespace {

// ----- Ctrl-C

static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");
std::atomic<bool> interrupted{false};
std::atomic<int> interrupts{0};

extern "C" void on_interrupt(int) {
  interrupted.store(true);
  // The first SIGINT asks for a clean stop. A second may be the same Ctrl-C
  // delivered twice (`timeout` signals the child and its process group), so
  // only a third quits at once, without waiting for the tasks.
  if (interrupts.fetch_add(1) + 1 >= 3) {
    _exit(130);
  }
}

// ----- options

struct Options {
  std::vector<std::uint64_t> primes;   // limits
  std::vector<std::uint64_t> hashes;   // sizes in MiB
  std::vector<std::uint64_t> streams;  // limits of the prime streams
  std::vector<std::uint64_t> waiters;  // counts of async tasks waiting
  std::uint64_t refresh_ms = 100;
  std::optional<std::uint64_t> self_interrupt_after_ms;
};

void print_usage(std::FILE *out) {
  std::fprintf(
      out,
      "Usage: ffi_tasks_demo [options]\n"
      "\n"
      "Runs Rust tasks in parallel on the ffi_tasks pool and shows their progress.\n"
      "Ctrl-C cancels the running tasks and prints how far each got (press it\n"
      "three times to quit without waiting for them).\n"
      "\n"
      "Options:\n"
      "  --primes N      count the primes below N (repeatable)\n"
      "  --hash MIB      hash MIB MiB of generated data (repeatable)\n"
      "  --stream-primes N\n"
      "                  then stream the primes below N, printed as they are found\n"
      "                  (repeatable)\n"
      "  --async-waiters N\n"
      "                  then start N async Rust tasks that wait for an event, show\n"
      "                  that they hold no thread, release them (repeatable)\n"
      "  --refresh-ms MS redraw the progress every MS milliseconds (default 100)\n"
      "  --self-interrupt-after-ms MS\n"
      "                  send this process SIGINT after MS milliseconds, as Ctrl-C\n"
      "                  would (for tests)\n"
      "  -h, --help      show this help\n"
      "\n"
      "Default (no task options): --primes 2000000 --primes 1000000 --hash 256 --hash 128\n"
      "--stream-primes 2000 --async-waiters 1000, a few seconds in a debug build.\n");
}

bool parse_u64(const char *text, std::uint64_t &out) {
  if (text == nullptr || *text == '\0' || *text == '-') {
    return false;
  }
  char *end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') {
    return false;
  }
  out = static_cast<std::uint64_t>(value);
  return true;
}

// nullopt: exit with the returned code.
std::optional<Options> parse_args(int argc, char **argv, int &exit_code) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_usage(stdout);
      exit_code = 0;
      return std::nullopt;
    }
    const bool takes_value = arg == "--primes" || arg == "--hash" || arg == "--refresh-ms" ||
                             arg == "--self-interrupt-after-ms" || arg == "--stream-primes" ||
                             arg == "--async-waiters";
    if (!takes_value) {
      std::fprintf(stderr, "ffi_tasks_demo: unknown option '%s'\n\n", arg.c_str());
      print_usage(stderr);
      exit_code = 2;
      return std::nullopt;
    }
    std::uint64_t value = 0;
    if (i + 1 >= argc || !parse_u64(argv[i + 1], value)) {
      std::fprintf(stderr, "ffi_tasks_demo: %s needs a non-negative integer\n", arg.c_str());
      exit_code = 2;
      return std::nullopt;
    }
    ++i;
    if (arg == "--primes") {
      options.primes.push_back(value);
    } else if (arg == "--hash") {
      options.hashes.push_back(value);
    } else if (arg == "--stream-primes") {
      options.streams.push_back(value);
    } else if (arg == "--async-waiters") {
      options.waiters.push_back(value);
    } else if (arg == "--refresh-ms") {
      options.refresh_ms = std::max<std::uint64_t>(value, 1);
    } else {
      options.self_interrupt_after_ms = value;
    }
  }
  if (options.primes.empty() && options.hashes.empty() && options.streams.empty() &&
      options.waiters.empty()) {
    options.primes = {2000000, 1000000};
    options.hashes = {256, 128};
    options.streams = {2000};
    options.waiters = {1000};
  }
  return options;
}

// ----- the jobs

enum class State { running, done, cancelled, failed };

struct Job {
  std::string name;
  ffi_tasks::TaskHandle<std::uint64_t> handle;
  bool hex_result = false;  // a hash: print in hex
  State state = State::running;
  std::uint64_t value = 0;
  std::string error;
  ffi_tasks::Progress progress;
  double seconds = 0.0;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Records the outcome that `take` (poll, or a bounded wait) gives, if any:
// the value, a cancellation or the error.
template <class Take>
void record(Job &job, Take &&take) {
  try {
    if (std::optional<std::uint64_t> value = take()) {
      job.value = *value;
      job.state = State::done;
    }
  } catch (const ffi_tasks::TaskCancelled &) {
    job.state = State::cancelled;
  } catch (const ffi_tasks::Error &e) {
    job.error = e.what();
    job.state = State::failed;
  }
}

// The job has ended: its time, where its progress stopped; the handle goes.
void settle(Job &job, Clock::time_point start) {
  job.seconds = seconds_since(start);
  job.progress = job.handle.progress();
  job.handle.reset();
}

// Takes the job's outcome if the task has finished (poll never blocks).
void collect(Job &job, Clock::time_point start) {
  job.progress = job.handle.progress();
  record(job, [&job] { return job.handle.poll(); });
  if (job.state != State::running) {
    settle(job, start);
  }
}

// After cancel(): blocks until the task has stopped and records how it
// ended (a task that was about to finish may still deliver its value) and
// where its progress stopped.
void finish(Job &job, Clock::time_point start) {
  record(job, [&job] { return job.handle.wait_for(std::chrono::hours(1)); });
  settle(job, start);
}

std::string percent(const ffi_tasks::Progress &progress) {
  char text[16];
  std::snprintf(text, sizeof text, "%5.1f%%", progress.fraction().value_or(0.0) * 100.0);
  return text;
}

std::string bar(const ffi_tasks::Progress &progress, int width) {
  const double fraction = progress.fraction().value_or(0.0);
  const int filled = static_cast<int>(fraction * width + 0.5);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), '.') + "]";
}

std::string outcome(const Job &job) {
  char text[160];
  switch (job.state) {
    case State::running: return "running";
    case State::done:
      if (job.hex_result) {
        std::snprintf(text, sizeof text, "done in %.2fs: hash %016llx", job.seconds,
                      static_cast<unsigned long long>(job.value));
      } else {
        std::snprintf(text, sizeof text, "done in %.2fs: %llu primes", job.seconds,
                      static_cast<unsigned long long>(job.value));
      }
      return text;
    case State::cancelled:
      std::snprintf(text, sizeof text, "cancelled after %.2fs at %llu/%llu", job.seconds,
                    static_cast<unsigned long long>(job.progress.done),
                    static_cast<unsigned long long>(job.progress.total));
      return text;
    case State::failed: return "failed: " + job.error;
  }
  return "?";
}

// Redraws one line per job in place (a terminal) or appends a compact
// status line (a pipe or file, at most once a second).
class Display {
 public:
  explicit Display(std::size_t name_width) : tty_(isatty(STDOUT_FILENO) == 1), width_(name_width) {}

  void draw(const std::vector<Job> &jobs, bool final) {
    if (tty_) {
      if (drawn_) {
        std::printf("\x1b[%zuA", jobs.size());  // back to the first job's line
      }
      for (const Job &job : jobs) {
        std::printf("\r\x1b[2K  %-*s %s %s  %s\n", static_cast<int>(width_), job.name.c_str(),
                    bar(job.progress, 30).c_str(), percent(job.progress).c_str(),
                    outcome(job).c_str());
      }
      drawn_ = true;
    } else if (final) {
      for (const Job &job : jobs) {
        std::printf("  %-*s %s %s  %s\n", static_cast<int>(width_), job.name.c_str(),
                    bar(job.progress, 30).c_str(), percent(job.progress).c_str(),
                    outcome(job).c_str());
      }
    } else if (Clock::now() >= next_line_) {
      next_line_ = Clock::now() + std::chrono::seconds(1);
      std::printf("  progress:");
      for (const Job &job : jobs) {
        std::printf(" %s", percent(job.progress).c_str());
      }
      std::printf("\n");
    }
    std::fflush(stdout);
  }

 private:
  bool tty_;
  std::size_t width_;
  bool drawn_ = false;
  Clock::time_point next_line_ = Clock::now();
};

// Starts `count` async tasks whose futures wait for an event, shows that
// they hold no pool thread while they wait, then releases them and checks
// every value. false if one failed.
bool async_waiters(std::uint64_t count) {
  constexpr std::uint64_t kProbeId = 0xdeb0;  // this demo's waiters
  constexpr std::uint64_t kPatienceMs = 60000;
  std::printf("Starting %llu async Rust tasks that wait for an event:\n",
              static_cast<unsigned long long>(count));
  std::vector<ffi_tasks::TaskHandle<ProbeOutput>> waiting;
  waiting.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    waiting.push_back(ffi_tasks::spawn(AsyncProbe{kProbeId, i}));
  }
  if (example_probe_wait_started(kProbeId, count, kPatienceMs) != 1) {
    std::printf("failed: the async tasks did not all start\n");
    return false;
  }
  ffi_tasks_stats stats{};
  if (ffi_tasks_pool_stats(&stats) == 0) {
    std::printf("  %llu waiting; the pool has %llu thread(s), %llu running a job\n",
                static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(stats.threads),
                static_cast<unsigned long long>(stats.running));
  }
  example_probe_release(kProbeId);
  std::uint64_t sum = 0;
  for (auto &handle : waiting) {
    sum += std::move(handle).wait().value;
  }
  const std::uint64_t expected = count == 0 ? 0 : count * (count - 1) / 2;
  if (sum != expected) {
    std::printf("failed: the async tasks' values sum to %llu, not %llu\n",
                static_cast<unsigned long long>(sum), static_cast<unsigned long long>(expected));
    return false;
  }
  std::printf("  released: all %llu finished with their values\n",
              static_cast<unsigned long long>(count));
  return true;
}

// Streams the primes below `limit`, printing each one as it arrives (a
// line of them at a time), until the end or Ctrl-C. false if interrupted.
bool stream_primes(std::uint64_t limit, const Options &options, Clock::time_point start,
                   bool &self_interrupted) {
  std::printf("Streaming the primes below %llu as they are found:\n",
              static_cast<unsigned long long>(limit));
  std::fflush(stdout);
  const Clock::time_point stream_start = Clock::now();
  ffi_tasks::TaskStream<std::uint64_t> primes = ffi_tasks::spawn_stream(PrimeStream{limit});
  std::uint64_t count = 0;
  std::uint64_t last = 0;
  std::size_t column = 0;
  const auto print = [&column](std::uint64_t prime) {
    char text[32];
    const int length =
        std::snprintf(text, sizeof text, " %llu", static_cast<unsigned long long>(prime));
    if (column + static_cast<std::size_t>(length) > 78) {
      std::printf("\n");
      column = 0;
    }
    std::fputs(text, stdout);
    column += static_cast<std::size_t>(length);
  };
  std::string ended;
  bool cancelled = false;
  try {
    while (true) {
      if (interrupted.load() && !cancelled) {
        primes.cancel();  // the items already found still arrive, then the end
        cancelled = true;
      }
      if (options.self_interrupt_after_ms && !self_interrupted &&
          seconds_since(start) * 1000.0 >= static_cast<double>(*options.self_interrupt_after_ms)) {
        self_interrupted = true;
        std::raise(SIGINT);
      }
      std::optional<std::uint64_t> prime =
          primes.next_for(std::chrono::milliseconds(options.refresh_ms));
      if (prime) {
        print(*prime);
        ++count;
        last = *prime;
      } else if (primes.done()) {
        break;
      } else {
        std::fflush(stdout);  // nothing for a while: show what came
      }
    }
  } catch (const ffi_tasks::TaskCancelled &) {
    cancelled = true;
  } catch (const ffi_tasks::Error &e) {
    ended = e.what();
  }
  std::printf("%s", column > 0 ? "\n" : "");
  const double seconds = seconds_since(stream_start);
  if (cancelled) {
    std::printf("Interrupted: cancelled the prime stream after %llu primes (%.2fs)\n",
                static_cast<unsigned long long>(count), seconds);
    return false;
  }
  if (!ended.empty()) {
    std::printf("The prime stream failed after %llu primes: %s\n",
                static_cast<unsigned long long>(count), ended.c_str());
    return true;
  }
  std::printf("streamed %llu primes below %llu in %.2fs (the last: %llu)\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(limit),
              seconds, static_cast<unsigned long long>(last));
  return true;
}

// The stream and async-waiter demos the options ask for, after the tasks:
// 0, or the exit code to stop with (130: interrupted; 1: a waiter failed).
int streams_and_waiters(const Options &options, Clock::time_point start, bool &self_interrupted) {
  for (const std::uint64_t limit : options.streams) {
    if (!stream_primes(limit, options, start, self_interrupted)) {
      return 130;
    }
  }
  for (const std::uint64_t count : options.waiters) {
    if (!async_waiters(count)) {
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  int exit_code = 0;
  const std::optional<Options> options = parse_args(argc, argv, exit_code);
  if (!options) {
    return exit_code;
  }
  std::signal(SIGINT, on_interrupt);

  const Clock::time_point start = Clock::now();
  std::vector<Job> jobs;
  try {
    for (const std::uint64_t limit : options->primes) {
      Job job;
      job.name = "primes below " + std::to_string(limit);
      job.handle = ffi_tasks::spawn(CountPrimes{limit});
      jobs.push_back(std::move(job));
    }
    std::uint64_t seed = 1;
    for (const std::uint64_t megabytes : options->hashes) {
      Job job;
      job.name = "hash " + std::to_string(megabytes) + " MiB (seed " + std::to_string(seed) + ")";
      job.handle = ffi_tasks::spawn(HashBuffer{megabytes, seed++});
      job.hex_result = true;
      jobs.push_back(std::move(job));
    }
  } catch (const ffi_tasks::Error &e) {
    std::fprintf(stderr, "ffi_tasks_demo: cannot start a task: %s\n", e.what());
    return 1;  // the handles already spawned are cancelled by their destructors
  }

  std::size_t name_width = 0;
  for (const Job &job : jobs) {
    name_width = std::max(name_width, job.name.size());
  }
  bool self_interrupted = false;
  if (jobs.empty()) {
    // Only streams and async waiters.
    return streams_and_waiters(*options, start, self_interrupted);
  }
  std::printf("ffi_tasks %s demo: %zu Rust task(s) running in parallel (Ctrl-C cancels)\n",
              std::string(ffi_tasks::version()).c_str(), jobs.size());
  Display display(name_width);

  const auto running = [&jobs] {
    return std::count_if(jobs.begin(), jobs.end(),
                         [](const Job &job) { return job.state == State::running; });
  };
  while (running() > 0 && !interrupted.load()) {
    for (Job &job : jobs) {
      if (job.state == State::running) {
        collect(job, start);
      }
    }
    display.draw(jobs, false);
    if (options->self_interrupt_after_ms && !self_interrupted &&
        seconds_since(start) * 1000.0 >= static_cast<double>(*options->self_interrupt_after_ms)) {
      self_interrupted = true;
      std::raise(SIGINT);  // through the real handler, as Ctrl-C
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options->refresh_ms));
  }

  const bool was_interrupted = interrupted.load();
  std::size_t cancelled = 0;
  if (was_interrupted) {
    // Cancel them all first, so they stop together, then collect.
    for (Job &job : jobs) {
      if (job.state == State::running) {
        job.handle.cancel();
      }
    }
    for (Job &job : jobs) {
      if (job.state == State::running) {
        finish(job, start);
        cancelled += job.state == State::cancelled ? 1 : 0;
      }
    }
  }
  display.draw(jobs, true);

  std::size_t done = 0;
  std::size_t failed = 0;
  for (const Job &job : jobs) {
    done += job.state == State::done ? 1 : 0;
    failed += job.state == State::failed ? 1 : 0;
  }
  if (was_interrupted) {
    std::printf("Interrupted: cancelled %zu running task(s); %zu had finished. (%.2fs)\n",
                cancelled, done, seconds_since(start));
    return 130;
  }
  std::printf("All %zu task(s) finished: %zu done, %zu failed. (%.2fs)\n", jobs.size(), done,
              failed, seconds_since(start));
  const int rc = streams_and_waiters(*options, start, self_interrupted);
  if (rc != 0) {
    return rc;
  }
  return failed == 0 ? 0 : 1;
}
