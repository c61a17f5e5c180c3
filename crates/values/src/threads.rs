//! The threads sources evaluate on. Parsers and evaluators recurse over what they read;
//! their depth is bounded, and the threads they run on have stacks sized well past those
//! bounds, so that no input can overflow a stack (rayon's default is 2 MiB per thread).

use std::sync::OnceLock;

/// Stack of each scan thread. Reserved, not committed: memory is used only as deep as an
/// evaluation actually goes.
pub const SCAN_STACK_BYTES: usize = 64 << 20;

/// Runs `work` on the scan thread pool (one thread per core), whose threads have
/// [`SCAN_STACK_BYTES`] of stack; parallel iterators inside `work` use the same pool.
pub fn on_scan_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("encguard-scan-{i}"))
            .stack_size(SCAN_STACK_BYTES)
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(work),
        // Threads could not be made (a process limit): a thread of our own still gets the stack.
        None => std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(SCAN_STACK_BYTES)
                .spawn_scoped(s, work)
                .expect("a scan thread")
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
    }
}
