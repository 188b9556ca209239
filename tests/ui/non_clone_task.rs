use ffi_tasks::task::{CancellationToken, Task};

// `spawn` clones the caller's task, so `Task` requires `Clone`.
pub struct NoClone;

impl Task for NoClone {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
        Ok(1)
    }
}

ffi_tasks::export_task! {
    Task: NoClone;
    spawn: no_clone_spawn;
}

fn main() {}
