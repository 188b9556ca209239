// ffi_tasks_qt_demo: Rust tasks (cpp/example_tasks: count the primes below
// a limit) in a Qt Widgets window. Each row has a progress bar and a Cancel
// button; progress and results reach the widgets on the UI thread through
// ffi_tasks/qt.hpp, and the UI thread never waits for a task.
//
//   ffi_tasks_qt_demo                   the window (close it to quit)
//   ffi_tasks_qt_demo --self-test [--screenshot FILE] [--screenshot-cancelled FILE] [--big]
//       starts the tasks, clicks one row's Cancel button once that task has
//       reported progress, waits (the event loop running) for every
//       outcome and checks them: exit code 0 only if all hold. FILE gets a
//       PNG of the window at the end (--screenshot) or when the cancellation
//       is seen (--screenshot-cancelled). --big: larger tasks (slower).
//   (with QT_QPA_PLATFORM=offscreen it needs no display)
#include <QtCore/QLocale>
#include <QtCore/QStringList>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>
#include <QtWidgets/QWidget>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ffi_tasks/ffi_tasks.hpp"
#include "ffi_tasks/qt.hpp"
// cpp/example_tasks' types (CountPrimes: the primes below `limit`) and C
// functions, from the header the build generates for that crate.
#include "ffi_tasks_example_tasks.h"

FFI_TASKS_CPP_TASK(primes, CountPrimes, std::uint64_t);

namespace {

using ffi_tasks::Progress;
using namespace std::chrono_literals;

// The number of primes below each limit the demo uses (pi(limit)).
const std::map<std::uint64_t, std::uint64_t> kPrimeCounts = {
    {100000, 9592},    {300000, 25997},    {1000000, 78498},    {3000000, 216816},
    {5000000, 348513}, {10000000, 664579}, {20000000, 1270607},
};

constexpr int kBarMax = 1000;

// One task: title, progress bar, status, Cancel. Owns the task's handle, so
// the handle lives exactly as long as the row, which is the context object
// of its completion and progress callbacks (see ffi_tasks/qt.hpp).
class TaskRow : public QWidget {
 public:
  enum class Outcome { running, done, cancelled, failed };

  TaskRow(std::uint64_t limit, std::function<void()> on_finished, QWidget *parent)
      : QWidget(parent), limit_(limit), on_finished_(std::move(on_finished)) {
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 2, 0, 2);
    auto *title = new QLabel(
        QStringLiteral("Primes below %1").arg(QLocale().toString(static_cast<qulonglong>(limit))),
        this);
    title->setMinimumWidth(230);
    bar_ = new QProgressBar(this);
    bar_->setRange(0, kBarMax);
    bar_->setValue(0);
    bar_->setMinimumWidth(260);
    status_ = new QLabel(QStringLiteral("Starting..."), this);
    status_->setMinimumWidth(190);
    cancel_ = new QPushButton(QStringLiteral("Cancel"), this);
    layout->addWidget(title);
    layout->addWidget(bar_, 1);
    layout->addWidget(status_);
    layout->addWidget(cancel_);

    QObject::connect(cancel_, &QPushButton::clicked, this, [this] {
      handle_.cancel();  // the task stops at its next check; finish() follows
      cancel_->setEnabled(false);
      status_->setText(QStringLiteral("Cancelling..."));
    });

    handle_ = ffi_tasks::spawn(CountPrimes{limit});
    ffi_tasks::qt::on_progress(
        handle_, this, [this](Progress p) { show_progress(p); }, 50ms);
    ffi_tasks::qt::on_complete(handle_, this, [this] { finish(); });
  }

  std::uint64_t limit() const { return limit_; }
  Outcome outcome() const { return outcome_; }
  std::optional<std::uint64_t> value() const { return value_; }
  bool reported_progress() const { return progress_reports_ > 0; }
  bool finished_on_ui_thread() const { return finished_on_ui_thread_; }
  int bar_value() const { return bar_->value(); }
  QPushButton *cancel_button() const { return cancel_; }

 private:
  void show_progress(Progress p) {
    ++progress_reports_;
    if (outcome_ != Outcome::running) {
      return;  // the final report may come after the result
    }
    const double fraction = p.fraction().value_or(0.0);
    bar_->setValue(static_cast<int>(fraction * kBarMax));
    if (cancel_->isEnabled()) {
      status_->setText(QStringLiteral("Counting..."));
    }
  }

  // On the UI thread, once the task has finished: the handle is ours (a
  // member), so reading it here is safe.
  void finish() {
    finished_on_ui_thread_ = QThread::currentThread() == QApplication::instance()->thread();
    cancel_->setEnabled(false);
    auto result = handle_.try_poll();
    if (result && *result) {
      outcome_ = Outcome::done;
      value_ = **result;
      bar_->setValue(kBarMax);
      status_->setText(
          QStringLiteral("%1 primes").arg(QLocale().toString(static_cast<qulonglong>(*value_))));
    } else if (!result && result.error().kind() == ffi_tasks::ErrorKind::cancelled) {
      outcome_ = Outcome::cancelled;
      status_->setText(QStringLiteral("Cancelled"));
    } else {
      outcome_ = Outcome::failed;
      status_->setText(result ? QStringLiteral("Failed: no result")
                              : QStringLiteral("Failed: %1").arg(result.error().what()));
    }
    on_finished_();
  }

  std::uint64_t limit_;
  std::function<void()> on_finished_;
  ffi_tasks::TaskHandle<std::uint64_t> handle_;
  QProgressBar *bar_ = nullptr;
  QLabel *status_ = nullptr;
  QPushButton *cancel_ = nullptr;
  Outcome outcome_ = Outcome::running;
  std::optional<std::uint64_t> value_;
  int progress_reports_ = 0;
  bool finished_on_ui_thread_ = false;
};

struct Options {
  bool self_test = false;
  bool big = false;
  QString screenshot;
  QString screenshot_cancelled;
};

std::optional<Options> parse(const QStringList &args) {
  Options options;
  for (int i = 1; i < args.size(); ++i) {
    const QString &a = args[i];
    if (a == QLatin1String("--self-test")) {
      options.self_test = true;
    } else if (a == QLatin1String("--big")) {
      options.big = true;
    } else if (a == QLatin1String("--screenshot") && i + 1 < args.size()) {
      options.screenshot = args[++i];
    } else if (a == QLatin1String("--screenshot-cancelled") && i + 1 < args.size()) {
      options.screenshot_cancelled = args[++i];
    } else {
      std::fprintf(stderr,
                   "Usage: ffi_tasks_qt_demo [--self-test] [--big] [--screenshot FILE] "
                   "[--screenshot-cancelled FILE]\n");
      return std::nullopt;
    }
  }
  return options;
}

bool save(QWidget &window, const QString &file) {
  if (window.grab().save(file)) {
    std::printf("screenshot: %s\n", qPrintable(file));
    return true;
  }
  std::printf("FAILED: could not save the screenshot %s\n", qPrintable(file));
  return false;
}

}  // namespace

int main(int argc, char **argv) {
  QApplication app(argc, argv);
  const std::optional<Options> options = parse(QApplication::arguments());
  if (!options) {
    return 2;
  }

  // The last row's task is far too big to finish: it is there to be
  // cancelled (by hand, or by --self-test).
  const std::vector<std::uint64_t> limits =
      options->big ? std::vector<std::uint64_t>{5000000, 10000000, 20000000, 1000000000000}
                   : std::vector<std::uint64_t>{100000, 300000, 1000000, 1000000000000};

  QWidget window;
  window.setWindowTitle(QStringLiteral("ffi_tasks + Qt"));
  auto *layout = new QVBoxLayout(&window);
  auto *heading = new QLabel(
      QStringLiteral("<b>Rust tasks on the ffi_tasks pool</b><br>Progress and results arrive on "
                     "the UI thread; Cancel stops a task at its next check."),
      &window);
  layout->addWidget(heading);
  auto *footer = new QLabel(&window);

  std::vector<TaskRow *> rows;
  int finished = 0;
  auto update_footer = [&] {
    footer->setText(QStringLiteral("%1 of %2 tasks finished").arg(finished).arg(rows.size()));
  };
  bool ok = true;
  bool cancel_seen = false;
  auto on_finished = [&] {
    ++finished;
    update_footer();
    TaskRow *last = rows.back();
    if (!cancel_seen && last->outcome() == TaskRow::Outcome::cancelled) {
      cancel_seen = true;
      if (!options->screenshot_cancelled.isEmpty()) {
        ok = save(window, options->screenshot_cancelled) && ok;
      }
    }
    if (options->self_test && finished == static_cast<int>(rows.size())) {
      app.quit();
    }
  };
  for (std::uint64_t limit : limits) {
    rows.push_back(new TaskRow(limit, on_finished, &window));
    layout->addWidget(rows.back());
  }
  layout->addWidget(footer);
  update_footer();
  window.resize(900, window.sizeHint().height());
  window.show();

  if (!options->self_test) {
    return app.exec();
  }

  // --self-test: click Cancel on the big task once it is visibly running
  // and the first task is well on its way (or done).
  TaskRow *victim = rows.back();
  QTimer clicker;
  QObject::connect(&clicker, &QTimer::timeout, &window, [&] {
    if (victim->reported_progress() && rows.front()->bar_value() >= kBarMax * 6 / 10) {
      clicker.stop();
      victim->cancel_button()->click();
    }
  });
  clicker.start(10);
  bool timed_out = false;
  QTimer::singleShot(120s, &window, [&] {
    timed_out = true;
    app.quit();
  });
  app.exec();

  if (timed_out) {
    std::printf("FAILED: not every task finished within 120 s\n");
    ok = false;
  }
  for (TaskRow *row : rows) {
    const bool is_victim = row == victim;
    const auto expected = kPrimeCounts.find(row->limit());
    if (!row->finished_on_ui_thread()) {
      std::printf("FAILED: the result of %llu was not delivered on the UI thread\n",
                  static_cast<unsigned long long>(row->limit()));
      ok = false;
    }
    if (is_victim) {
      if (row->outcome() != TaskRow::Outcome::cancelled || row->bar_value() >= kBarMax) {
        std::printf("FAILED: the task below %llu was not cancelled\n",
                    static_cast<unsigned long long>(row->limit()));
        ok = false;
      }
    } else if (row->outcome() != TaskRow::Outcome::done || expected == kPrimeCounts.end() ||
               row->value() != expected->second || row->bar_value() != kBarMax) {
      std::printf(
          "FAILED: primes below %llu: expected %llu\n",
          static_cast<unsigned long long>(row->limit()),
          static_cast<unsigned long long>(expected == kPrimeCounts.end() ? 0 : expected->second));
      ok = false;
    } else {
      std::printf("primes below %llu: %llu\n", static_cast<unsigned long long>(row->limit()),
                  static_cast<unsigned long long>(*row->value()));
    }
  }
  if (!options->screenshot.isEmpty()) {
    ok = save(window, options->screenshot) && ok;
  }
  if (ok) {
    std::printf("self-test passed: %zu tasks, 1 cancelled with its button\n", rows.size());
  }
  return ok ? 0 : 1;
}
