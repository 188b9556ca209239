//! A downstream crate that exports one task to C and C++ with `export_task!`
//! (built by tests/consumer/CMakeLists.txt through `ffi_tasks_add_crate`).

use anyhow::{bail, Result};
use ffi_tasks::task::{CancellationToken, Task};

/// Sums `1..=n`, reporting progress and stopping when cancelled. Fails for
/// `n == 0` with the message "nothing to sum".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SumTo {
    /// The last number to add.
    pub n: u64,
}

impl Task for SumTo {
    type Output = u64;

    fn run(&self, token: &CancellationToken) -> Result<u64> {
        if self.n == 0 {
            bail!("nothing to sum");
        }
        let mut sum = 0u64;
        for i in 1..=self.n {
            if i % 4096 == 0 {
                token.is_done()?;
                token.set_progress(i, self.n);
            }
            sum = sum.wrapping_add(i);
        }
        token.set_progress(self.n, self.n);
        Ok(sum)
    }
}

// Every key as sum_to_<key>: the prefix form is what the generated header
// (ffi_tasks_add_crate(... HEADER consumer_tasks.h)) describes to C and C++.
ffi_tasks::export_task! {
    Task: SumTo;
    prefix: sum_to;
}
