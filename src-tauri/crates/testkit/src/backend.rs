//! The two storage back ends of the queue service, and a macro that runs a scenario on each.

/// Which storage back end a test's queue service runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each `async fn name(backend: Backend)` scenario once per back end, as the tests
/// `name::sqlite` and `name::postgres`. `worker_threads = N;` first sets the runtime's threads
/// (default 4).
#[macro_export]
macro_rules! on_both_backends {
    (worker_threads = $threads:literal; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!(worker_threads = 4; $($name),*);
    };
}
