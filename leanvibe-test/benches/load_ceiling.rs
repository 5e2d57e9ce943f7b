//! The open-loop load generator's own ceiling on this machine: the highest
//! rate at which `perf::load` with a no-op operation holds within 1 % of
//! its target over 5 s (no request dropped), and its pacing error at
//! 1,000/s. Figures go to `docs/benchmarks.md`.
//!
//! ```sh
//! cargo bench -p leanvibe-test --bench load_ceiling
//! # shorter: LEANVIBE_CEILING_SECS=1 LEANVIBE_CEILING_RATES=1000,10000 cargo bench ...
//! ```
//!
//! A std-only `harness = false` bench (no criterion): it measures the
//! generator, not an operation.

use leanvibe_test::perf;
use std::time::Duration;

fn main() {
    let secs: f64 = env_or("LEANVIBE_CEILING_SECS", "5")
        .parse()
        .expect("seconds");
    let rates: Vec<f64> = env_or(
        "LEANVIBE_CEILING_RATES",
        "1000,2000,5000,10000,20000,50000,100000,200000,500000,1000000,2000000",
    )
    .split(',')
    .map(|r| r.trim().parse().expect("a rate"))
    .collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = leanvibe_test::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("runtime");
    println!("no-op operation, {secs} s per rate, multi-thread runtime with {threads} workers");
    println!(
        "| target /s | achieved /s | achieved / target | dropped | pacing mean ms | pacing p50 ms | pacing p99 ms | pacing max ms | latency p99 ms | holds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut ceiling = None;
    for rate in rates {
        let report = runtime.block_on(
            perf::load(rate, Duration::from_secs_f64(secs), || async {})
                .max_in_flight(100_000)
                .run(),
        );
        let run = &report.runs[0];
        let load = run.load.expect("load figures");
        let ratio = load.achieved_rate_per_s / rate;
        let holds = (ratio - 1.0).abs() <= 0.01 && run.dropped == 0;
        println!(
            "| {rate:.0} | {:.0} | {ratio:.4} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {} |",
            load.achieved_rate_per_s,
            run.dropped,
            load.pacing_ms.mean,
            load.pacing_ms.p50,
            load.pacing_ms.p99,
            load.pacing_ms.max,
            run.latency_ms.p99,
            if holds { "yes" } else { "no" }
        );
        if holds {
            ceiling = Some(rate);
        } else {
            break;
        }
    }
    match ceiling {
        Some(rate) => println!("ceiling: {rate:.0}/s held within 1 % for {secs} s"),
        None => println!("ceiling: none of the rates held"),
    }
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_string())
}
