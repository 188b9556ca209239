use ffi_tasks::task::{CancellationToken, Task};

#[derive(Clone)]
pub struct Add;

impl Task for Add {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
        Ok(1)
    }
}

// ... and so is `prefix:` after explicit keys.
ffi_tasks::export_task! {
    Task: Add;
    spawn: add_spawn;
    prefix: add;
}

fn main() {}
