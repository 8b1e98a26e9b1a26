//! Live rounds: what the projector and the judges' phones are told as a round goes on.
//!
//! Every change to a round (a sheet submitted, the next proposal called, the round closed)
//! calls [`Live::changed`]. Each connected screen holds a Server-Sent Events stream; on a change
//! it asks [`Live::state`] for the round's state, which is computed once per change however many
//! screens ask (the first computes, the others wait for it and share the same text). A screen
//! that falls behind skips to the latest state; one whose connection drops reconnects by itself
//! (EventSource does) and is sent the current state first.
//!
//! Changes are seen by the process that made them: several server processes behind one address
//! each tell their own screens, so a live round should be served by one process.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, broadcast};

pub struct Live {
    tx: broadcast::Sender<i64>,
    /// Bumped on every change of any round; a cached state of an older generation is stale.
    generation: AtomicU64,
    states: Mutex<HashMap<i64, (u64, Arc<String>)>>,
}

impl Default for Live {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Live {
            tx,
            generation: AtomicU64::new(0),
            states: Mutex::new(HashMap::new()),
        }
    }
}

impl Live {
    /// Tells every screen of `round` that it changed.
    pub fn changed(&self, round: i64) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        // No receiver is not an error: nobody is watching.
        let _ = self.tx.send(round);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.tx.subscribe()
    }

    /// The round's state as JSON, computed by `compute` at most once per change.
    pub async fn state<F, Fut, E>(&self, round: i64, compute: F) -> Result<Arc<String>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<String, E>>,
    {
        // Read before computing, so a change that lands meanwhile leaves this copy stale.
        let generation = self.generation.load(Ordering::Acquire);
        let mut states = self.states.lock().await;
        if let Some((g, text)) = states.get(&round)
            && *g == generation
        {
            return Ok(Arc::clone(text));
        }
        let text = Arc::new(compute().await?);
        states.insert(round, (generation, Arc::clone(&text)));
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn the_state_is_computed_once_per_change() {
        let live = Live::default();
        let computed = AtomicUsize::new(0);
        let get = || async {
            live.state(7, || async {
                computed.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>("{}".to_owned())
            })
            .await
        };
        for _ in 0..5 {
            assert_eq!(get().await.as_deref().map(String::as_str), Ok("{}"));
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        let mut rx = live.subscribe();
        live.changed(7);
        assert_eq!(rx.recv().await, Ok(7));
        get().await.ok();
        assert_eq!(computed.load(Ordering::SeqCst), 2);
    }
}
