// A task's key (`wait`) given to a stream task, whose keys differ.
use ffi_tasks::{
    stream::{Emitter, StreamTask},
    task::CancellationToken,
};

#[derive(Clone)]
pub struct Count;

impl StreamTask for Count {
    type Item = u64;
    fn run(&self, _: &CancellationToken, out: &Emitter<u64>) -> anyhow::Result<()> {
        out.emit(1)
    }
}

ffi_tasks::export_task! {
    StreamTask: Count;
    next: count_next;
    wait: count_wait;
}

fn main() {}
