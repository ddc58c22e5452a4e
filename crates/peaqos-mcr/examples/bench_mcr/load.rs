//! A closed-loop HTTP load generator: `conns` connections, each sending its next request as
//! soon as the previous answer is read, for a fixed time; request rate and latency percentiles.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use super::Res;

/// Throughput and latency of one run.
pub(crate) struct Load {
    /// Requests per second.
    pub(crate) rps: f64,
    /// Median latency, milliseconds.
    pub(crate) p50: f64,
    /// 99th percentile latency, milliseconds.
    pub(crate) p99: f64,
    /// Requests answered.
    pub(crate) requests: usize,
}

/// Which URL the `n`th request of a connection asks (`n` counts over all connections).
pub(crate) type Target = Arc<dyn Fn(u64) -> String + Send + Sync>;

/// Loads one URL.
pub(crate) fn load(url: &str, secs: u64, conns: usize) -> Res<Load> {
    let url = url.to_owned();
    load_targets(Arc::new(move |_| url.clone()), secs, conns)
}

/// Loads the URLs `target` names. Runs on its own OS thread with a single-threaded runtime
/// (like `wrk -t1`), so the generator takes at most one core. Any non-2xx answer fails the run.
pub(crate) fn load_targets(target: Target, secs: u64, conns: usize) -> Res<Load> {
    let handle = std::thread::spawn(move || -> Result<(usize, Vec<u64>, f64), String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(conns)
                .build()
                .map_err(|e| e.to_string())?;
            let started = Instant::now();
            let deadline = started + Duration::from_secs(secs);
            let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..conns {
                let (client, target, counter) = (client.clone(), target.clone(), counter.clone());
                tasks.spawn(async move {
                    let mut lat = Vec::new();
                    let mut bad = 0usize;
                    while Instant::now() < deadline {
                        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let url = target(n);
                        let t = Instant::now();
                        match client.get(&url).send().await {
                            Ok(r) if r.status().is_success() => {
                                if r.bytes().await.is_err() {
                                    bad += 1;
                                }
                            }
                            Ok(r) => {
                                if bad == 0 {
                                    eprintln!("{url}: HTTP {}", r.status());
                                }
                                bad += 1;
                            }
                            Err(e) => {
                                if bad == 0 {
                                    eprintln!("{url}: {e}");
                                }
                                bad += 1;
                            }
                        }
                        lat.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
                    }
                    (bad, lat)
                });
            }
            let (mut bad, mut all) = (0, Vec::new());
            while let Some(r) = tasks.join_next().await {
                let (b, l) = r.map_err(|e| e.to_string())?;
                bad += b;
                all.extend(l);
            }
            Ok((bad, all, started.elapsed().as_secs_f64()))
        })
    });
    let (bad, mut lat, elapsed) = handle.join().map_err(|_| "load thread panicked")??;
    if bad > 0 {
        return Err(format!("{bad} of {} requests failed", lat.len()).into());
    }
    lat.sort_unstable();
    let pct = |p: f64| {
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len().max(1)) - 1;
        lat.get(i).map_or(0.0, |&us| us as f64 / 1000.0)
    };
    Ok(Load {
        rps: lat.len() as f64 / elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        requests: lat.len(),
    })
}
