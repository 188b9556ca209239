use ffi_tasks::task::{CancellationToken, Task};

#[derive(Clone)]
pub struct Add;

impl Task for Add {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
        Ok(1)
    }
}

// The prefix is one identifier, ended by `;` like every other line.
ffi_tasks::export_task! {
    Task: Add;
    prefix: "add";
}

fn main() {}
