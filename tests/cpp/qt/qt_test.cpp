// ffi_tasks/qt.hpp: qt::executor, qt::on_complete and qt::on_progress, with
// a QCoreApplication on the main thread (and a second QThread where the
// context object lives elsewhere).
#include "ffi_tasks/qt.hpp"

#include "ffi_tasks/executor.hpp"
#include "ffi_tasks/progress.hpp"

#include <QtCore/QCoreApplication>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QThread>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "example_tasks.hpp"

namespace {

using namespace std::chrono_literals;
using ffi_tasks::Progress;
using ffi_tasks::TaskHandle;
namespace qt = ffi_tasks::qt;

// Runs the main thread's event loop (deferred deletions included) until
// `done()` holds, for at most test_support::kWaitMs.
bool pump_until(const std::function<bool()> &done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(test_support::kWaitMs);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    QCoreApplication::processEvents(QEventLoop::AllEvents);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Everything queued to the main thread so far has run (or been dropped).
void drain() {
  for (int i = 0; i < 3; ++i) {
    QCoreApplication::processEvents(QEventLoop::AllEvents);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
  }
}

// A token a callback captures: expired() once the callback is destroyed.
struct Lifetime {
  std::shared_ptr<int> token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  bool destroyed() const { return watch.expired(); }
};

// A QThread with its event loop running, and an object living there.
struct OtherThread {
  QThread thread;
  QObject *object = new QObject;
  OtherThread() {
    thread.start();
    object->moveToThread(&thread);
  }
  ~OtherThread() {
    QObject *obj = object;
    QMetaObject::invokeMethod(
        obj, [obj] { delete obj; }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
  }
};

// qCritical messages, captured while one is alive.
struct CriticalMessages {
  static std::mutex &mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::string> &messages() {
    static std::vector<std::string> v;
    return v;
  }
  static void handler(QtMsgType type, const QMessageLogContext &, const QString &msg) {
    if (type == QtCriticalMsg) {
      const std::lock_guard<std::mutex> lock(mutex());
      messages().push_back(msg.toStdString());
    }
  }
  QtMessageHandler previous = qInstallMessageHandler(&handler);
  ~CriticalMessages() {
    qInstallMessageHandler(previous);
    const std::lock_guard<std::mutex> lock(mutex());
    messages().clear();
  }
  std::vector<std::string> get() const {
    const std::lock_guard<std::mutex> lock(mutex());
    return messages();
  }
};

// ----- qt::executor

static_assert(std::is_copy_constructible<qt::executor>::value, "an executor is copyable");

TEST(QtExecutor, RunsOnTheObjectsThreadFromAWorker) {
  QObject object;
  std::atomic<QThread *> ran_on{nullptr};
  qt::executor ex(&object);
  std::thread worker([&] { ex.execute([&] { ran_on = QThread::currentThread(); }); });
  worker.join();
  EXPECT_EQ(ran_on.load(), nullptr) << "queued, not run on the calling thread";
  ASSERT_TRUE(pump_until([&] { return ran_on.load() != nullptr; }));
  EXPECT_EQ(ran_on.load(), QThread::currentThread());
}

TEST(QtExecutor, RunsOnAnotherQThread) {
  OtherThread other;
  std::atomic<QThread *> ran_on{nullptr};
  const qt::executor ex(other.object);
  ex.post([&] { ran_on = QThread::currentThread(); });
  ASSERT_TRUE(pump_until([&] { return ran_on.load() != nullptr; }));
  EXPECT_EQ(ran_on.load(), &other.thread);
}

TEST(QtExecutor, AcceptsMoveOnlyFunctionsAndRunsEachOnce) {
  QObject object;
  int runs = 0;
  auto value = std::make_unique<int>(42);
  qt::executor(&object).execute([&runs, v = std::move(value)] { runs += *v; });
  drain();
  EXPECT_EQ(runs, 42);
  drain();
  EXPECT_EQ(runs, 42);
}

TEST(QtExecutor, DropsTheFunctionWhenTheObjectIsAlreadyGone) {
  auto *object = new QObject;
  const qt::executor ex(object);
  EXPECT_TRUE(ex.alive());
  delete object;
  EXPECT_FALSE(ex.alive());
  Lifetime life;
  bool ran = false;
  ex.execute([&ran, t = std::move(life.token)] { ran = true; });
  EXPECT_TRUE(life.destroyed());
  drain();
  EXPECT_FALSE(ran);
}

TEST(QtExecutor, DropsAQueuedFunctionWhenTheObjectIsDestroyed) {
  auto *object = new QObject;
  Lifetime life;
  bool ran = false;
  std::thread worker([&, ex = qt::executor(object)] {
    ex.execute([&ran, t = std::move(life.token)] { ran = true; });
  });
  worker.join();
  EXPECT_FALSE(life.destroyed()) << "queued";
  delete object;
  EXPECT_TRUE(life.destroyed()) << "removed from the queue with the object";
  drain();
  EXPECT_FALSE(ran);
}

TEST(QtExecutor, DefaultAndNullExecutorsDropEverything) {
  for (const qt::executor &ex : {qt::executor(), qt::executor(nullptr)}) {
    Lifetime life;
    bool ran = false;
    ex.execute([&ran, t = std::move(life.token)] { ran = true; });
    EXPECT_TRUE(life.destroyed());
    EXPECT_FALSE(ex.alive());
    drain();
    EXPECT_FALSE(ran);
  }
}

TEST(QtExecutor, AThrowingFunctionIsReportedAndTheLoopGoesOn) {
  CriticalMessages critical;
  QObject object;
  const qt::executor ex(&object);
  bool after = false;
  ex.execute([] { throw std::runtime_error("callback failure"); });
  ex.execute([&] { after = true; });
  drain();
  EXPECT_TRUE(after);
  const auto messages = critical.get();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("callback failure"), std::string::npos) << messages[0];
}

// Posting from many threads while the object is destroyed: every function
// either runs (before the destruction) or is destroyed unrun; none is lost
// or run on a dead object (ASan/TSan builds check the memory side).
TEST(QtExecutor, ConcurrentPostsAndDestruction) {
  for (int round = 0; round < 20; ++round) {
    auto *object = new QObject;
    const qt::executor ex(object);
    std::atomic<int> ran{0};
    std::atomic<int> destroyed{0};
    struct Counted {
      std::atomic<int> *ran;
      std::atomic<int> *destroyed;
      bool armed = true;
      Counted(std::atomic<int> *r, std::atomic<int> *d) : ran(r), destroyed(d) {}
      Counted(Counted &&o) noexcept : ran(o.ran), destroyed(o.destroyed), armed(o.armed) {
        o.armed = false;
      }
      Counted(const Counted &) = delete;
      ~Counted() {
        if (armed) {
          destroyed->fetch_add(1);
        }
      }
      void operator()() { ran->fetch_add(1); }
    };
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
      posters.emplace_back([&] {
        for (int i = 0; i < 50; ++i) {
          ex.execute(Counted(&ran, &destroyed));
        }
      });
    }
    drain();
    delete object;
    for (auto &t : posters) {
      t.join();
    }
    drain();
    EXPECT_EQ(destroyed.load(), 200);
    EXPECT_LE(ran.load(), 200);
  }
}

// ----- qt::on_complete

TEST(QtOnComplete, RunsOnTheContextThreadWithTheResult) {
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(CountPrimes{100000});
  std::optional<std::uint64_t> result;
  QThread *ran_on = nullptr;
  qt::on_complete(h, &context, [&] {
    ran_on = QThread::currentThread();
    result = h.poll();
  });
  ASSERT_TRUE(pump_until([&] { return ran_on != nullptr; }));
  EXPECT_EQ(ran_on, QThread::currentThread());
  EXPECT_EQ(result, std::optional<std::uint64_t>(9592));
}

// qt::executor is an executor in the sense of executor.hpp: the generic
// on_complete(ex, f) and on_progress(ex, f, interval) run through it on the
// object's thread.
static_assert(ffi_tasks::is_executor_v<qt::executor>, "qt::executor is an executor");

TEST(QtExecutor, DrivesTheGenericOnCompleteAndOnProgress) {
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(CountPrimes{100000});
  std::vector<Progress> reports;
  bool progress_off_thread = false;
  h.on_progress(
      qt::executor{&context},
      [&](Progress p) {
        progress_off_thread |= QThread::currentThread() != context.thread();
        reports.push_back(p);
      },
      1ms);
  QThread *ran_on = nullptr;
  std::optional<std::uint64_t> result;
  h.on_complete(qt::executor{&context}, [&] {
    ran_on = QThread::currentThread();
    result = h.poll();
  });
  ASSERT_TRUE(pump_until([&] { return ran_on != nullptr; }));
  EXPECT_EQ(ran_on, context.thread());
  EXPECT_EQ(result, std::optional<std::uint64_t>(9592));
  // The last report is always delivered, after the completion at the latest.
  ASSERT_TRUE(pump_until([&] { return !reports.empty(); }));
  EXPECT_FALSE(progress_off_thread);
}

TEST(QtOnComplete, RunsOnAContextInAnotherQThread) {
  OtherThread other;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Add{2, 3});
  std::atomic<QThread *> ran_on{nullptr};
  qt::on_complete(h, other.object, [&] { ran_on = QThread::currentThread(); });
  ASSERT_TRUE(pump_until([&] { return ran_on.load() != nullptr; }));
  EXPECT_EQ(ran_on.load(), &other.thread);
  EXPECT_EQ(h.poll(), std::optional<std::uint64_t>(5));
}

TEST(QtOnComplete, AlreadyFinishedTaskStillRunsFromTheEventLoop) {
  QObject context;
  const auto id = test_support::fresh_id();
  TaskHandle<ProbeOutput> h = ffi_tasks::spawn(Probe{id, 7, probe_mode::return_now});
  ASSERT_TRUE(test_support::spin_until_finished(h));
  bool ran = false;
  qt::on_complete(h, &context, [&] { ran = true; });
  EXPECT_FALSE(ran) << "queued even though the task had finished";
  drain();
  EXPECT_TRUE(ran);
}

TEST(QtOnComplete, ContextDestroyedBeforeTheTaskFinishes) {
  auto *context = new QObject;
  const auto id = test_support::fresh_id();
  TaskHandle<ProbeOutput> h = ffi_tasks::spawn(Probe{id, 7, probe_mode::return_when_released});
  ASSERT_TRUE(test_support::wait_started(id));
  Lifetime life;
  bool ran = false;
  qt::on_complete(h, context, [&ran, t = std::move(life.token)] { ran = true; });
  delete context;
  example_probe_release(id);
  // The worker drops the callback instead of queueing it.
  ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
  drain();
  EXPECT_FALSE(ran);
  EXPECT_EQ(h.poll()->value, 7u);
}

TEST(QtOnComplete, ContextDestroyedWhileTheCallbackIsQueued) {
  auto *context = new QObject;
  const auto id = test_support::fresh_id();
  TaskHandle<ProbeOutput> h = ffi_tasks::spawn(Probe{id, 7, probe_mode::return_now});
  ASSERT_TRUE(test_support::spin_until_finished(h));
  Lifetime life;
  bool ran = false;
  qt::on_complete(h, context, [&ran, t = std::move(life.token)] { ran = true; });
  EXPECT_FALSE(life.destroyed()) << "queued";
  delete context;
  EXPECT_TRUE(life.destroyed());
  drain();
  EXPECT_FALSE(ran);
}

TEST(QtOnComplete, HandleDestroyedWhileTheCallbackIsQueued) {
  QObject context;
  const auto id = test_support::fresh_id();
  auto h = std::make_unique<TaskHandle<ProbeOutput>>(
      ffi_tasks::spawn(Probe{id, 7, probe_mode::return_now}));
  ASSERT_TRUE(test_support::spin_until_finished(*h));
  bool ran = false;
  qt::on_complete(*h, &context, [&] { ran = true; });
  h.reset();  // the task and its unread output are freed
  ASSERT_TRUE(test_support::wait_drops(id, 1));
  drain();
  EXPECT_TRUE(ran) << "the callback does not need the handle";
}

TEST(QtOnComplete, HandleDestroyedWhileTheTaskRunsCancelsAndStillCompletes) {
  QObject context;
  const auto id = test_support::fresh_id();
  auto h = std::make_unique<TaskHandle<ProbeOutput>>(
      ffi_tasks::spawn(Probe{id, 7, probe_mode::cancel_when_cancelled}));
  ASSERT_TRUE(test_support::wait_started(id));
  QThread *ran_on = nullptr;
  qt::on_complete(*h, &context, [&] { ran_on = QThread::currentThread(); });
  h.reset();
  ASSERT_TRUE(pump_until([&] { return ran_on != nullptr; }));
  EXPECT_EQ(ran_on, QThread::currentThread());
  EXPECT_EQ(example_probe_saw_cancel(id), 1u);
}

TEST(QtOnComplete, ACallbackThatThrowsIsReported) {
  CriticalMessages critical;
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Add{1, 1});
  qt::on_complete(h, &context, [] { throw std::runtime_error("ui update failed"); });
  ASSERT_TRUE(pump_until([&] { return !critical.get().empty(); }));
  const auto messages = critical.get();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("ui update failed"), std::string::npos) << messages[0];
  EXPECT_EQ(h.poll(), std::optional<std::uint64_t>(2)) << "the task is not affected";
}

// User code deleting the context object from its own callback (a row
// widget closing itself when its task is done): no use after free.
TEST(QtOnComplete, TheCallbackDeletesItsContext) {
  auto *context = new QObject;
  QPointer<QObject> watch(context);
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Add{2, 2});
  qt::on_complete(h, context, [context] { delete context; });
  ASSERT_TRUE(pump_until([&] { return watch.isNull(); }));
  EXPECT_EQ(h.poll(), std::optional<std::uint64_t>(4));
}

// A callback that calls back into the library: spawns another task and
// registers on_complete for it on the same context.
TEST(QtOnComplete, TheCallbackStartsAnotherTask) {
  QObject context;
  TaskHandle<std::uint64_t> first = ffi_tasks::spawn(Add{1, 2});
  TaskHandle<std::uint64_t> second;
  std::optional<std::uint64_t> result;
  qt::on_complete(first, &context, [&] {
    second = ffi_tasks::spawn(Add{*first.poll(), 10});
    qt::on_complete(second, &context, [&] { result = second.poll(); });
  });
  ASSERT_TRUE(pump_until([&] { return result.has_value(); }));
  EXPECT_EQ(*result, 13u);
}

TEST(QtOnComplete, Errors) {
  QObject context;
  const auto id = test_support::fresh_id();
  TaskHandle<ProbeOutput> h = ffi_tasks::spawn(Probe{id, 7, probe_mode::return_when_released});
  EXPECT_THROW(qt::on_complete(h, nullptr, [] {}), ffi_tasks::NullPointer);
  void (*null_fn)() = nullptr;
  EXPECT_THROW(qt::on_complete(h, &context, null_fn), ffi_tasks::NullPointer);
  const auto result = qt::try_on_complete(h, nullptr, [] {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ffi_tasks::ErrorKind::null_pointer);
  // None of those registered anything: the one callback is still free.
  bool ran = false;
  qt::on_complete(h, &context, [&] { ran = true; });
  EXPECT_THROW(qt::on_complete(h, &context, [] {}), ffi_tasks::InvalidArgument);
  example_probe_release(id);
  ASSERT_TRUE(pump_until([&] { return ran; }));

  TaskHandle<std::uint64_t> empty;
  EXPECT_THROW(qt::on_complete(empty, &context, [] {}), ffi_tasks::UsageError);
}

// ----- qt::on_progress

struct Report {
  std::chrono::steady_clock::time_point at;
  Progress progress;
  QThread *thread;
};

// Spin changes its progress (a count of wake-ups) every 50 ms, more often
// than the watch may report; it ends when cancelled.
TEST(QtOnProgress, ThrottledOnTheContextThreadAndTheLastOneDelivered) {
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Spin{0});
  Lifetime life;
  std::vector<Report> reports;
  const auto interval = 120ms;
  qt::on_progress(
      h, &context,
      [&reports, t = std::move(life.token)](Progress p) {
        // Stamped on entry: the watch measures from the end of the previous
        // call, so entries are at least `interval` apart however slow a call.
        const auto at = std::chrono::steady_clock::now();
        reports.push_back({at, p, QThread::currentThread()});
      },
      interval);
  ASSERT_TRUE(pump_until([&] { return reports.size() >= 4; }));
  h.cancel();
  // The watch ends by itself once the task has finished.
  ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
  EXPECT_EQ(reports.back().progress, h.progress()) << "the final progress was delivered";
  for (std::size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].thread, QThread::currentThread());
    if (i > 0) {
      EXPECT_GE(reports[i].at - reports[i - 1].at, interval) << "report " << i;
      EXPECT_NE(reports[i].progress, reports[i - 1].progress) << "only changes are reported";
      EXPECT_GE(reports[i].progress.done, reports[i - 1].progress.done);
    }
  }
  EXPECT_THROW(static_cast<void>(h.poll()), ffi_tasks::TaskCancelled);
}

// A task that reports often and finishes: its last report, (limit, limit),
// is delivered.
TEST(QtOnProgress, TheFinalReportOfAFinishedTask) {
  QObject context;
  constexpr std::uint64_t limit = 100000;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(CountPrimes{limit});
  Lifetime life;
  std::vector<Progress> reports;
  qt::on_progress(
      h, &context, [&reports, t = std::move(life.token)](Progress p) { reports.push_back(p); },
      5ms);
  ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back(), (Progress{limit, limit}));
  EXPECT_EQ(h.poll(), std::optional<std::uint64_t>(9592));
}

TEST(QtOnProgress, CombinesWithOnComplete) {
  QObject context;
  const auto id = test_support::fresh_id();
  TaskHandle<ProbeOutput> h = ffi_tasks::spawn(Probe{id, 7, probe_mode::return_when_released});
  ASSERT_TRUE(test_support::wait_started(id));
  Lifetime life;
  std::vector<Progress> reports;
  bool completed = false;
  qt::on_progress(
      h, &context, [&reports, t = std::move(life.token)](Progress p) { reports.push_back(p); },
      1ms);
  qt::on_complete(h, &context, [&] { completed = true; });
  ASSERT_TRUE(pump_until([&] { return !reports.empty(); }));
  example_probe_release(id);
  ASSERT_TRUE(pump_until([&] { return completed && life.destroyed(); }));
  ASSERT_EQ(reports.size(), 1u) << "the probe reports 3/10 once";
  EXPECT_EQ(reports[0], (Progress{3, 10}));
}

TEST(QtOnProgress, StopsWhenTheContextIsDestroyed) {
  auto *context = new QObject;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Spin{0});  // spins until cancelled
  Lifetime life;
  int reports = 0;
  qt::on_progress(
      h, context, [&reports, t = std::move(life.token)](Progress) { ++reports; }, 1ms);
  ASSERT_TRUE(pump_until([&] { return reports > 0; }));
  delete context;
  EXPECT_TRUE(life.destroyed()) << "the watch went with its context";
  const int seen = reports;
  h.cancel();
  ASSERT_TRUE(test_support::spin_until_finished(h));
  drain();
  EXPECT_EQ(reports, seen);
}

TEST(QtOnProgress, StopsWhenTheHandleIsReset) {
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Spin{0});
  Lifetime life;
  int reports = 0;
  qt::on_progress(
      h, &context, [&reports, t = std::move(life.token)](Progress) { ++reports; }, 1ms);
  ASSERT_TRUE(pump_until([&] { return reports > 0; }));
  h.reset();  // same handle object, now empty: the next tick ends the watch
  ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
}

TEST(QtOnProgress, SharedHandleKeptAliveUntilTheWatchEnds) {
  QObject context;
  const auto id = test_support::fresh_id();
  auto shared = std::make_shared<TaskHandle<ProbeOutput>>(
      ffi_tasks::spawn(Probe{id, 7, probe_mode::return_when_released}));
  ASSERT_TRUE(test_support::wait_started(id));
  Lifetime life;
  std::vector<Progress> reports;
  qt::on_progress(
      shared, &context, [&reports, t = std::move(life.token)](Progress p) { reports.push_back(p); },
      1ms);
  std::weak_ptr<TaskHandle<ProbeOutput>> weak = shared;
  shared.reset();
  EXPECT_FALSE(weak.expired()) << "the watch holds the handle";
  example_probe_release(id);
  ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
  EXPECT_TRUE(weak.expired());
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back(), (Progress{3, 10}));
  EXPECT_EQ(example_probe_saw_cancel(id), 0u) << "not cancelled: it finished first";
  ASSERT_TRUE(test_support::wait_drops(id, 1));
}

TEST(QtOnProgress, ZeroNegativeAndHugeIntervals) {
  for (const auto interval : {0ms, -5ms, std::chrono::milliseconds::min()}) {
    QObject context;
    TaskHandle<std::uint64_t> h = ffi_tasks::spawn(CountPrimes{20000});
    Lifetime life;
    std::vector<Progress> reports;
    qt::on_progress(
        h, &context, [&reports, t = std::move(life.token)](Progress p) { reports.push_back(p); },
        interval);
    ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
    ASSERT_FALSE(reports.empty());
    EXPECT_EQ(reports.back(), (Progress{20000, 20000}));
  }
  // A huge interval is accepted (clamped); the watch still ends with its context.
  auto *context = new QObject;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Add{1, 2});
  Lifetime life;
  qt::on_progress(
      h, context, [t = std::move(life.token)](Progress) {}, std::chrono::milliseconds::max());
  EXPECT_FALSE(life.destroyed());
  delete context;
  EXPECT_TRUE(life.destroyed());
}

TEST(QtOnProgress, StartedFromAnotherThread) {
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(CountPrimes{20000});
  Lifetime life;
  std::vector<Report> reports;
  std::thread starter([&] {
    qt::on_progress(
        h, &context,
        [&reports, t = std::move(life.token)](Progress p) {
          reports.push_back({std::chrono::steady_clock::now(), p, QThread::currentThread()});
        },
        1ms);
  });
  starter.join();
  ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().progress, (Progress{20000, 20000}));
  EXPECT_EQ(reports.back().thread, QThread::currentThread());
}

TEST(QtOnProgress, ACallbackThatThrowsEndsTheWatch) {
  CriticalMessages critical;
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Spin{0});
  Lifetime life;
  int calls = 0;
  qt::on_progress(
      h, &context,
      [&calls, t = std::move(life.token)](Progress) {
        ++calls;
        throw std::runtime_error("bar update failed");
      },
      1ms);
  ASSERT_TRUE(pump_until([&] { return life.destroyed(); }));
  EXPECT_EQ(calls, 1);
  const auto messages = critical.get();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("bar update failed"), std::string::npos) << messages[0];
  h.cancel();
}

TEST(QtOnProgress, TheCallbackDeletesItsContext) {
  auto *context = new QObject;
  QPointer<QObject> watch(context);
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Spin{0});
  Lifetime life;
  qt::on_progress(
      h, context, [context, t = std::move(life.token)](Progress) { delete context; }, 1ms);
  ASSERT_TRUE(pump_until([&] { return watch.isNull(); }));
  EXPECT_TRUE(life.destroyed());
  h.cancel();
}

// The same on the final report, after which the watch would end itself.
TEST(QtOnProgress, TheCallbackDeletesItsContextOnTheFinalReport) {
  auto *context = new QObject;
  QPointer<QObject> watch(context);
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Add{1, 2});
  ASSERT_TRUE(test_support::spin_until_finished(h));
  Lifetime life;
  qt::on_progress(
      h, context, [context, t = std::move(life.token)](Progress) { delete context; }, 1ms);
  ASSERT_TRUE(pump_until([&] { return watch.isNull(); }));
  EXPECT_TRUE(life.destroyed());
}

TEST(QtOnProgress, Errors) {
  QObject context;
  TaskHandle<std::uint64_t> h = ffi_tasks::spawn(Add{1, 2});
  EXPECT_THROW(qt::on_progress(
                   h, nullptr, [](Progress) {}, 10ms),
               ffi_tasks::NullPointer);
  TaskHandle<std::uint64_t> empty;
  EXPECT_THROW(qt::on_progress(
                   empty, &context, [](Progress) {}, 10ms),
               ffi_tasks::UsageError);
  EXPECT_THROW(qt::on_progress(
                   std::shared_ptr<TaskHandle<std::uint64_t>>(), &context, [](Progress) {}, 10ms),
               ffi_tasks::UsageError);
}

}  // namespace

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  QCoreApplication app(argc, argv);
  return RUN_ALL_TESTS();
}
