// The `Task: T;` line is required and comes first.
ffi_tasks::export_task! {
    spawn: add_spawn;
    wait: add_wait;
}

fn main() {}
