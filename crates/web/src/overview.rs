//! What the public home page, the community list and the idea wall show, kept in memory for at most
//! [`MAX_AGE`] so that anonymous page views do not each make four or five database round trips.
//!
//! Freshness rules:
//! - Any request other than GET, HEAD or OPTIONS answered by this process (every form that
//!   changes something is a POST) drops the copy when it finishes, before its response goes
//!   out, so whoever changed something sees the change on their next page, as do all readers.
//! - Changes made elsewhere — another server process on the same database, the `chuangxiang`
//!   command, a database console — show up within [`MAX_AGE`] (one second). Two people looking
//!   at the public pages of one street cannot tell a one-second delay from network latency,
//!   and nothing personal is cached: only the street's name, its season and calendar, its
//!   communities and how many residents each has.
//! - One request at a time reloads an expired copy; the others wait for it rather than all
//!   asking the database at once.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use chuangxiang_store::{Db, Result, ideas, org, proposals, season};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The longest a copy is used for before it is read again from the database.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// The home page's data, in no particular language.
pub struct Home {
    pub street: Option<org::Street>,
    pub district: String,
    pub communities: usize,
    pub season: Option<(season::Season, Vec<season::SeasonStep>)>,
}

/// The community list's data: the first street's communities with their resident counts.
pub struct Communities {
    pub street: org::Street,
    pub rows: Vec<(org::Community, u64)>,
}

/// What every idea wall page needs besides its ideas: the street, its season, and the names of
/// its communities and the season's categories.
pub struct WallFrame {
    pub street: org::Street,
    pub season: season::Season,
    pub communities: Vec<org::Community>,
    pub categories: Vec<ideas::Category>,
}

/// One page of the public idea wall, as the store answered it.
pub type WallPage = (Vec<ideas::Idea>, u64);

/// How many different wall pages (filters, searches, page numbers) are kept at once.
const WALL_PAGES: usize = 512;

/// The copies, shared by every request of one server process.
#[derive(Default)]
pub struct PublicCache {
    generation: AtomicU64,
    home: Slot<Home>,
    communities: Slot<Option<Communities>>,
    wall_frame: Slot<Option<WallFrame>>,
    wall_pages: std::sync::Mutex<HashMap<String, Arc<Slot<WallPage>>>>,
    /// The latest shortlisted proposals of a season, for the public proposal list.
    shortlist: Slot<(i64, Vec<proposals::Proposal>)>,
}

impl PublicCache {
    /// Forgets every copy: called after each request that may have written.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub async fn home(&self, db: &Db) -> Result<Arc<Home>> {
        self.home.get(&self.generation, || load_home(db)).await
    }

    /// `None` when there is no street or no season yet.
    pub async fn wall_frame(&self, db: &Db) -> Result<Arc<Option<WallFrame>>> {
        self.wall_frame
            .get(&self.generation, || load_wall_frame(db))
            .await
    }

    /// A page of the public wall (accepted ideas only, whatever the query asks).
    pub async fn wall_page(&self, db: &Db, query: &ideas::WallQuery) -> Result<Arc<WallPage>> {
        let query = ideas::WallQuery {
            statuses: vec![chuangxiang_domain::ideas::Status::Accepted],
            ..query.clone()
        };
        let key = format!(
            "{}|{:?}|{:?}|{:?}|{}|{}",
            query.season_id,
            query.community_id,
            query.category_id,
            query.sort,
            query.terms.join(" "),
            query.page
        );
        let slot = {
            let mut pages = self.wall_pages.lock().unwrap_or_else(|e| e.into_inner());
            if pages.len() >= WALL_PAGES && !pages.contains_key(&key) {
                pages.clear();
            }
            Arc::clone(pages.entry(key).or_default())
        };
        slot.get(&self.generation, || ideas::wall(db, &query)).await
    }

    /// The season's latest `limit` shortlisted proposals, as (season, proposals).
    pub async fn shortlist(
        &self,
        db: &Db,
        season_id: i64,
        limit: u64,
    ) -> Result<Arc<(i64, Vec<proposals::Proposal>)>> {
        let load = || async move {
            let rows = proposals::list(
                db,
                &proposals::ListQuery {
                    season_id,
                    statuses: vec![chuangxiang_domain::proposals::Status::Shortlisted],
                    limit: Some(limit),
                    ..proposals::ListQuery::default()
                },
            )
            .await?;
            Ok((season_id, rows))
        };
        let mut cached = self.shortlist.get(&self.generation, load).await?;
        // One season is cached at a time; another season's list is read afresh.
        if cached.0 != season_id {
            cached = Arc::new(load().await?);
        }
        Ok(cached)
    }

    /// `None` when there is no street yet.
    pub async fn communities(&self, db: &Db) -> Result<Arc<Option<Communities>>> {
        self.communities
            .get(&self.generation, || load_communities(db))
            .await
    }
}

async fn load_home(db: &Db) -> Result<Home> {
    let street = org::first_street(db).await?;
    let (mut district, mut communities, mut current) = (String::new(), 0, None);
    if let Some(street) = &street {
        district = org::district_name(db, street.district_id).await?;
        communities = org::communities(db, street.id).await?.len();
        if let Some(s) = season::current(db, street.id).await? {
            let steps = season::steps(db, s.id).await?;
            current = Some((s, steps));
        }
    }
    Ok(Home {
        street,
        district,
        communities,
        season: current,
    })
}

async fn load_wall_frame(db: &Db) -> Result<Option<WallFrame>> {
    let Some(street) = org::first_street(db).await? else {
        return Ok(None);
    };
    let Some(season) = season::current(db, street.id).await? else {
        return Ok(None);
    };
    Ok(Some(WallFrame {
        communities: org::communities(db, street.id).await?,
        categories: ideas::categories(db, season.id).await?,
        street,
        season,
    }))
}

async fn load_communities(db: &Db) -> Result<Option<Communities>> {
    let Some(street) = org::first_street(db).await? else {
        return Ok(None);
    };
    let counts = org::resident_counts(db, street.id).await?;
    let rows = org::communities(db, street.id)
        .await?
        .into_iter()
        .map(|c| {
            let n = counts.get(&c.id).copied().unwrap_or(0);
            (c, n)
        })
        .collect();
    Ok(Some(Communities { street, rows }))
}

struct Entry<T> {
    value: Arc<T>,
    generation: u64,
    loaded: Instant,
}

struct Slot<T> {
    current: RwLock<Option<Entry<T>>>,
    reloading: tokio::sync::Mutex<()>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            current: RwLock::new(None),
            reloading: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Slot<T> {
    fn fresh(&self, generation: u64) -> Option<Arc<T>> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|e| e.generation == generation && e.loaded.elapsed() < MAX_AGE)
            .map(|e| Arc::clone(&e.value))
    }

    async fn get<F, Fut>(&self, generation: &AtomicU64, load: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if let Some(v) = self.fresh(generation.load(Ordering::Acquire)) {
            return Ok(v);
        }
        let _one_at_a_time = self.reloading.lock().await;
        // The generation and the clock are read before the database, so that a write that
        // lands while loading makes this copy stale rather than hiding behind it.
        let before = generation.load(Ordering::Acquire);
        if let Some(v) = self.fresh(before) {
            return Ok(v);
        }
        let loaded = Instant::now();
        let value = Arc::new(load().await?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Entry {
            value: Arc::clone(&value),
            generation: before,
            loaded,
        });
        Ok(value)
    }
}

/// Middleware: drops the copies after any request that may have changed something.
pub async fn invalidate_after_writes(
    State(cache): State<Arc<PublicCache>>,
    req: Request,
    next: Next,
) -> Response {
    let may_write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(req).await;
    if may_write {
        cache.invalidate();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    async fn count_loads(slot: &Slot<usize>, generation: &AtomicU64, loads: &AtomicUsize) -> usize {
        *slot
            .get(generation, || async {
                Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await
            .expect("loads")
    }

    #[tokio::test]
    async fn a_copy_is_reused_until_a_write_or_its_age_ends_it() {
        let (slot, generation, loads) = (Slot::default(), AtomicU64::new(0), AtomicUsize::new(0));
        assert_eq!(count_loads(&slot, &generation, &loads).await, 1);
        assert_eq!(count_loads(&slot, &generation, &loads).await, 1);
        generation.fetch_add(1, Ordering::AcqRel);
        assert_eq!(count_loads(&slot, &generation, &loads).await, 2);
        assert_eq!(count_loads(&slot, &generation, &loads).await, 2);
        tokio::time::sleep(MAX_AGE + Duration::from_millis(50)).await;
        assert_eq!(count_loads(&slot, &generation, &loads).await, 3);
    }

    #[tokio::test]
    async fn a_failed_load_keeps_nothing() {
        let (slot, generation) = (Slot::<usize>::default(), AtomicU64::new(0));
        let failed = slot
            .get(&generation, || async {
                Err(chuangxiang_store::StoreError::Database("down".into()))
            })
            .await;
        assert!(failed.is_err());
        let ok = slot.get(&generation, || async { Ok(7) }).await;
        assert_eq!(ok.ok().as_deref(), Some(&7));
    }
}
