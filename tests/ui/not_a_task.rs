// A type that does not implement `Task`.
#[derive(Clone)]
pub struct NotATask;

ffi_tasks::export_task! {
    Task: NotATask;
    spawn: not_a_task_spawn;
}

fn main() {}
