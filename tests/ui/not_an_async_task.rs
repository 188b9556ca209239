// `AsyncTask:` names a type that does not implement `AsyncTask`.

pub struct NotAnAsyncTask;

ffi_tasks::export_task! {
    AsyncTask: NotAnAsyncTask;
    spawn: not_an_async_task_spawn;
}

fn main() {}
