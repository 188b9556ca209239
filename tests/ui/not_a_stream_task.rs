// A type exported as a stream task that does not implement `StreamTask`.
#[derive(Clone)]
pub struct NotAStream;

ffi_tasks::export_task! {
    StreamTask: NotAStream;
    next: not_a_stream_next;
}

fn main() {}
