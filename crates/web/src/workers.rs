//! Slow work (password hashing, photo decoding) on a few threads of our own, with a bounded
//! queue in front of them.
//!
//! Tokio's blocking pool grows to hundreds of threads under a burst, and each thread's
//! allocator arena keeps the buffers it freed: 200 logins at once took a fresh server to gigabytes
//! and left most of it held. Here a fixed number of threads each keep their own scratch memory
//! (argon2's 19 MiB, reused), so memory stays flat however many requests arrive; what does not
//! fit in the queue is answered "busy" at once instead of waiting for a database pool to time out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// The queue is full (or the workers are gone): the caller should answer "try again".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// A fixed set of threads, each with scratch state `S` that lives as long as the thread.
pub struct Pool<S> {
    sender: SyncSender<Job<S>>,
}

impl<S: Default + 'static> Pool<S> {
    /// Starts `threads` workers (at least one) behind a queue of `queue` waiting jobs.
    pub fn new(name: &str, threads: usize, queue: usize) -> std::io::Result<Self> {
        let (sender, receiver) = sync_channel::<Job<S>>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads.max(1) {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || work(&receiver))?;
        }
        Ok(Pool { sender })
    }

    /// Runs `job` on a worker and waits for its answer without blocking the executor.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut S) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let boxed: Job<S> = Box::new(move |scratch| {
            // A panicking job drops `tx`, which the waiting request sees as an error; the
            // thread and its scratch memory live on for the next job.
            if let Ok(answer) = catch_unwind(AssertUnwindSafe(|| job(scratch))) {
                let _ = tx.send(answer);
            }
        });
        match self.sender.try_send(boxed) {
            Ok(()) => rx.await.map_err(|_| Busy),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => Err(Busy),
        }
    }
}

fn work<S: Default>(receiver: &Mutex<Receiver<Job<S>>>) {
    let mut scratch = S::default();
    loop {
        let job = match receiver.lock() {
            Ok(r) => r.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&mut scratch),
            Err(_) => return,
        }
    }
}

/// How many threads slow work gets: one per core, as the machine reports it.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_workers_and_keep_their_scratch() {
        let pool: Pool<Vec<u32>> = Pool::new("test", 1, 8).expect("threads start");
        for i in 0..3 {
            let seen = pool
                .run(move |scratch| {
                    scratch.push(i);
                    scratch.len()
                })
                .await
                .expect("room in the queue");
            assert_eq!(seen, i as usize + 1, "the one worker reuses its scratch");
        }
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once_and_a_panic_does_not_kill_the_worker() {
        let pool: Pool<()> = Pool::new("test", 1, 1).expect("threads start");
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        let held = hold.clone();
        // One job occupies the worker, one waits in the queue; the third is refused.
        let first = tokio::spawn({
            let pool = Arc::new(pool);
            let p = pool.clone();
            async move {
                let running = p.run(move |_| {
                    let _ = held.lock().map(|h| h.recv());
                });
                let queued = async {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    p.run(|_| ()).await
                };
                let refused = async {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    let r = p.run(|_| ()).await;
                    let _ = release.send(());
                    r
                };
                let (a, b, c) = tokio::join!(running, queued, refused);
                (a, b, c, pool)
            }
        });
        let (a, b, c, pool) = first.await.expect("joins");
        assert_eq!(a, Ok(()));
        assert_eq!(b, Ok(()));
        assert_eq!(c, Err(Busy));
        let panicked = pool.run(|_| -> u8 { panic!("a bad job") }).await;
        assert_eq!(panicked, Err(Busy));
        assert_eq!(
            pool.run(|_| 7).await,
            Ok(7),
            "the worker survived the panic"
        );
    }
}
