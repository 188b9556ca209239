use ffi_tasks::task::{CancellationToken, Task};

#[derive(Clone)]
pub struct Add;

impl Task for Add {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
        Ok(1)
    }
}

// `Task:` must come before the keys (and is spelled with a capital T).
ffi_tasks::export_task! {
    spawn: add_spawn;
    task: Add;
}

fn main() {}
