use ffi_tasks::task::{CancellationToken, Task};

#[derive(Clone)]
pub struct Add;

impl Task for Add {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
        Ok(1)
    }
}

// `prefix:` exports every key: explicit keys after it are refused.
ffi_tasks::export_task! {
    Task: Add;
    prefix: add;
    spawn: add_spawn;
}

fn main() {}
