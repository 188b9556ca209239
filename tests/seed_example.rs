//! The seed's (`ffi_helpers::task`) example, run as an integration test. It
//! differs from the seed only in the crate name (and in living in a `#[test]`
//! function instead of `main`): the seed's syntax must keep compiling and its
//! assertions must keep holding.

// The seed reads the count into a variable it never uses and has no docs.
#![allow(unused_variables, missing_docs)]

#[macro_use]
extern crate ffi_tasks;

use anyhow::Error;
use ffi_tasks::error_handling::*;
use ffi_tasks::task::CancellationToken;
use ffi_tasks::Task;
use std::thread;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Spin;

impl Task for Spin {
    type Output = usize;

    fn run(&self, cancel_tok: &CancellationToken) -> Result<Self::Output, Error> {
        let mut spins = 0;

        while !cancel_tok.cancelled() {
            thread::sleep(Duration::from_millis(10));
            spins += 1;
        }

        Ok(spins)
    }
}

// Generate the various `extern "C"` utility functions for working with the
// `Spin` task. The `spawn` function will be called `spin_spawn`, and so on.
export_task! {
    Task: Spin;
    spawn: spin_spawn;
    wait: spin_wait;
    poll: spin_poll;
    cancel: spin_cancel;
    cancelled: spin_cancelled;
    handle_destroy: spin_handle_destroy;
    result_destroy: spin_result_destroy;
}

#[test]
fn seed_example() {
    // create our `Spin` task
    let s = Spin;

    unsafe {
        // spawn the task in the background and get a handle to it
        let handle = spin_spawn(&s);
        assert_eq!(
            spin_cancelled(handle),
            0,
            "The spin shouldn't have been cancelled yet"
        );

        // poll the task. The result can vary depending on the outcome:
        // - If the task completed, get a pointer to the `Output`
        // - If it completed with an error, return `null` and update the
        //   LAST_ERROR appropriately
        // - Return `null` and *don't* set LAST_ERROR if the task isn't done
        let ret = spin_poll(handle);
        assert_eq!(
            last_error_length(),
            0,
            "There shouldn't have been any errors"
        );
        assert!(ret.is_null(), "The task should still be running");

        // tell the task to stop spinning by sending the cancel signal
        spin_cancel(handle);

        // wait for the task to finish and retrieve a pointer to its result
        // Note: this will automatically free the handle, so we don't need
        //       to manually call `spin_handle_destroy()`.
        let got = spin_wait(handle);

        assert_eq!(
            last_error_length(),
            0,
            "There shouldn't have been any errors"
        );
        assert!(!got.is_null(), "Oops!");

        let num_spins: usize = *got;

        // don't forget the result is heap allocated so we need to free it
        spin_result_destroy(got);
    }
}
