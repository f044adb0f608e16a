//! Desktop app benchmark (issue 4): the RELEASE app binary against a real queue service, driven over
//! WebDriver (tauri-driver + WebKitWebDriver) under Xvfb. It prints
//! 1. cold start to an interactive inbox (first inbox row and the item view shown), against the same
//!    launch until the page's `document.readyState` is "complete" (what the app adds over WebKit's own
//!    page load);
//! 2. idle memory (RSS and PSS) of the app process and its WebKit children after 10 s idle, against
//!    WebKitGTK's own MiniBrowser idling on about:blank in the same run;
//! 3. decide-to-next-item latency in the page (keydown of `a` until the next item's view is in the DOM,
//!    and until the next frame), against the same probe around `j` (next item without deciding).
//!
//! Run it with `scripts/desktop-bench.sh`. Outside the script (no COUNTERSIGN_DESKTOP_BENCH) it prints
//! a SKIPPED line, so `cargo bench --workspace` without a display never hangs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use countersign_domain::{Risk, Role};
use countersign_queue::{ServeOptions, auth, items};
use countersign_tests::webdriver::{TauriDriver, WebDriver};

const REVIEWER: &str = "bench-reviewer";
const PRODUCER: &str = "bench-producer";
/// Open transactions on the queue: 300, or more when BENCH_DECISIONS needs them (each round decides one
/// and passes one).
const ITEMS: usize = 300;

fn main() {
    if std::env::var_os("COUNTERSIGN_DESKTOP_BENCH").is_none() {
        eprintln!(
            "SKIPPED desktop bench: needs a display, WebKitWebDriver and tauri-driver; run scripts/desktop-bench.sh"
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(error) = runtime.block_on(bench()) {
        eprintln!("desktop bench failed: {error:#}");
        std::process::exit(1);
    }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn bench() -> Result<()> {
    let app = PathBuf::from(
        std::env::var("COUNTERSIGN_DESKTOP_APP").context("COUNTERSIGN_DESKTOP_APP is not set")?,
    );
    ensure!(app.is_file(), "no app binary at {}", app.display());
    let driver_bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned());
    let runs = env_or("BENCH_RUNS", 5).max(1);
    let decisions = env_or("BENCH_DECISIONS", 100).max(1);
    let idle = Duration::from_secs(u64::try_from(env_or("BENCH_IDLE_SECONDS", 10))?);
    let item_count = ITEMS.max(2 * (decisions + 5) + 50);

    let work = tempfile::tempdir()?;
    let db_url = format!("sqlite://{}", work.path().join("queue.db").display());
    let server = countersign_queue::start(ServeOptions::new(db_url)).await?;
    let state = &server.state;
    let now = state.now();
    let token = auth::add_user(&state.db, REVIEWER, Role::Reviewer, now).await?;
    auth::add_user(&state.db, PRODUCER, Role::Producer, now).await?;
    // Transactions only (a clinical item's `a` asks for a sign-off first), all routed to review.
    let batch: Vec<_> = countersign_demo::demo_items(item_count * 4, 7, now)
        .into_iter()
        .filter(|i| i.kind == "transaction")
        .take(item_count)
        .enumerate()
        .map(|(n, mut item)| {
            item.ai.confidence = 0.7;
            item.ai.risk = Risk::Medium;
            item.external_id = format!("bench-{n}");
            item
        })
        .collect();
    ensure!(
        batch.len() == item_count,
        "only {} demo transactions",
        batch.len()
    );
    items::submit_all(state, PRODUCER, &batch).await?;
    eprintln!(
        "queue at {} with {item_count} open transactions; {runs} cold starts of {}",
        server.url(),
        app.display()
    );

    let mut ready = Vec::new();
    let mut inbox = Vec::new();
    let mut startups = Vec::new();
    let mut memory = None;
    let mut latency = None;
    for run in 0..runs {
        // A fresh data directory each run: the first launch on a machine, the inbox synced from the
        // server, nothing of the previous run in the app's cache.
        let data_dir = work.path().join(format!("app-{run}"));
        let driver = TauriDriver::start(
            &driver_bin,
            &[
                ("COUNTERSIGN_SERVER", server.url()),
                ("COUNTERSIGN_TOKEN", token.clone()),
                ("COUNTERSIGN_DATA_DIR", data_dir.display().to_string()),
            ],
            std::env::var_os("BENCH_APP_LOG").is_none(),
        )?;
        driver.wait_ready().await?;
        let started = Instant::now();
        let wd = WebDriver::new(driver.port, &app).await?;
        let outcome = cold_start(&wd, started).await;
        if outcome.is_ok() {
            startups.push(startup(&wd, driver.pid(), started).await?);
        }
        let last = run + 1 == runs;
        let outcome = match outcome {
            Ok(times) if last => {
                eprintln!("idle for {idle:?} before measuring memory");
                tokio::time::sleep(idle).await;
                let mem = measure_memory(driver.pid());
                let lat = measure_latency(&wd, decisions).await;
                // Cold start and memory are reported even when the latency run fails.
                latency = Some(lat);
                mem.map(|m| {
                    memory = Some(m);
                    times
                })
            }
            other => other,
        };
        let _ = wd.quit().await;
        drop(driver);
        let (r, i) = outcome.with_context(|| format!("run {run}"))?;
        eprintln!(
            "run {run}: readyState complete {:.0} ms, interactive inbox {:.0} ms",
            ms(r),
            ms(i)
        );
        ready.push(r);
        inbox.push(i);
    }
    server.shutdown().await;
    let blank = blank_webkit_memory(idle).await?;

    let memory = memory.context("no memory figures")?;
    let latency = latency.context("no latency figures")?;
    report(&ready, &inbox, &memory, &blank, latency.as_ref().ok());
    report_startup(&startups, &ready, &inbox);
    latency.map(|_| ()).context("decide-to-next latency")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Polls the page from the moment the session was asked for: when `document.readyState` is first
/// "complete", and when the first inbox row and the item view both exist.
async fn cold_start(wd: &WebDriver, started: Instant) -> Result<(Duration, Duration)> {
    let mut ready = None;
    loop {
        let probe = wd
            .execute(
                "return { ready: document.readyState, \
                 row: !!document.querySelector('[data-testid=\"inbox-row\"]'), \
                 view: !!document.querySelector('[data-testid=\"item-view\"][data-item-id]') };",
            )
            .await;
        let at = started.elapsed();
        if let Ok(probe) = probe {
            if ready.is_none() && probe["ready"] == "complete" {
                ready = Some(at);
            }
            if probe["row"] == true && probe["view"] == true {
                return Ok((ready.unwrap_or(at), at));
            }
        }
        ensure!(at < Duration::from_secs(60), "no interactive inbox in 60 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What the page marked as it started, in ms since the WebDriver session was asked for: the navigation
/// entry, the paint entries and the app's own marks (`app:evaluated` in ui/src/main.tsx; `app:rendered`
/// and `app:item-view` after the first commit of the app and of an item view, `-dom` before its layout
/// and paint; `ipc:<command>` at each command's first answer and `ipc:first-rows` in
/// ui/src/lib/backend/tauri.ts).
const STARTUP: &str = r#"
const at = {};
for (const e of performance.getEntriesByType('mark')) at[e.name] = e.startTime;
for (const e of performance.getEntriesByType('paint')) at[e.name] = e.startTime;
const nav = performance.getEntriesByType('navigation')[0];
if (nav) at['domContentLoaded'] = nav.domContentLoadedEventEnd;
return { now: performance.now(), at };
"#;

/// The phases of one cold start (ms since the session was asked for, in the order they are printed).
const PHASES: &[(&str, &str)] = &[
    ("process", "app process started (/proc, 10 ms ticks)"),
    (
        "navigation",
        "page load started (Rust set-up done: store open, sign-in check, window)",
    ),
    ("first-paint", "first paint"),
    ("first-contentful-paint", "first contentful paint"),
    ("app:evaluated", "app modules evaluated (ui/src/main.tsx)"),
    (
        "app:rendered-dom",
        "app's first render in the DOM, before layout and paint (ui/src/App.tsx)",
    ),
    (
        "app:rendered",
        "app's first render committed and painted (ui/src/App.tsx)",
    ),
    ("domContentLoaded", "DOMContentLoaded"),
    ("ipc:app_status", "first IPC answer (app_status)"),
    (
        "ipc:list_assignments",
        "first inbox page answered (list_assignments)",
    ),
    (
        "ipc:first-rows",
        "first inbox page with rows (after the first sync)",
    ),
    (
        "ipc:get_assignment",
        "first item view answered (get_assignment)",
    ),
    (
        "app:item-view-dom",
        "first item view in the DOM, before layout and paint (ui/src/features/review/ItemView.tsx)",
    ),
    (
        "app:item-view",
        "first item view committed and painted (ui/src/features/review/ItemView.tsx)",
    ),
    ("ready", "baseline: readyState complete (polled)"),
];

/// When each start-up phase of this run happened, from the page's own clock and the app process's
/// start time (`/proc/<pid>/stat`), both placed on the bench's clock: the page's clock starts when its
/// load starts, and is read once here, halfway through the call that reads it.
async fn startup(
    wd: &WebDriver,
    driver_pid: u32,
    started: Instant,
) -> Result<HashMap<String, f64>> {
    let asked = ms(started.elapsed());
    let page = wd.execute(STARTUP).await?;
    let answered = ms(started.elapsed());
    let mut phases = HashMap::new();
    if let Some(now) = page["now"].as_f64() {
        let origin = (asked + answered) / 2.0 - now;
        phases.insert("navigation".to_owned(), origin);
        if let Some(marks) = page["at"].as_object() {
            for (name, at) in marks {
                if let Some(at) = at.as_f64() {
                    phases.insert(name.clone(), origin + at);
                }
            }
        }
    }
    let app = process_tree(driver_pid, "countersign-desktop")?
        .into_iter()
        .find(|p| p.name == "countersign-desktop")
        .context("no app process")?;
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", app.pid))?;
    let uptime = std::fs::read_to_string("/proc/uptime")?;
    let now = started.elapsed();
    // Field 22 (starttime, clock ticks since boot) is the 20th after the command's closing parenthesis.
    let ticks: f64 = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .and_then(|t| t.parse().ok())
        .context("no start time in /proc/<pid>/stat")?;
    let up: f64 = uptime
        .split_whitespace()
        .next()
        .and_then(|u| u.parse().ok())
        .context("no /proc/uptime")?;
    let tick = clock_tick()?;
    phases.insert("process".to_owned(), ms(now) - (up - ticks / tick) * 1000.0);
    Ok(phases)
}

/// Clock ticks per second (`getconf CLK_TCK`), the unit of a process's start time in /proc.
fn clock_tick() -> Result<f64> {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .context("getconf")?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("getconf CLK_TCK")
}

struct Proc {
    pid: u32,
    name: String,
    rss_kb: u64,
    pss_kb: u64,
}

/// The app process (under tauri-driver → WebKitWebDriver) and every process below it.
fn measure_memory(driver_pid: u32) -> Result<Vec<Proc>> {
    process_tree(driver_pid, "countersign-desktop")
}

/// The process named `name` at or below `ancestor`, and every process below it.
fn process_tree(ancestor: u32, name_of_root: &str) -> Result<Vec<Proc>> {
    let mut parent = HashMap::new();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(pid) = entry?.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid …; comm may hold spaces and parentheses.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parent.insert(pid, ppid);
        }
    }
    let descends = |mut pid: u32, from: u32| {
        while let Some(&p) = parent.get(&pid) {
            if p == from {
                return true;
            }
            if p <= 1 {
                return false;
            }
            pid = p;
        }
        false
    };
    let name = |pid: u32| {
        std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default()
    };
    let app = parent
        .keys()
        .copied()
        .find(|&pid| (pid == ancestor || descends(pid, ancestor)) && name(pid) == name_of_root)
        .with_context(|| format!("no {name_of_root} process at or below pid {ancestor}"))?;
    let mut pids: Vec<u32> = parent
        .keys()
        .copied()
        .filter(|&pid| pid == app || descends(pid, app))
        .collect();
    pids.sort_unstable();
    let kb = |text: &str, field: &str| {
        text.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut procs = Vec::new();
    for pid in pids {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        procs.push(Proc {
            pid,
            name: name(pid),
            rss_kb: kb(&status, "VmRSS:"),
            pss_kb: kb(&rollup, "Pss:"),
        });
    }
    Ok(procs)
}

/// WebKitGTK's own MiniBrowser (from libwebkit2gtk-4.1-0) showing about:blank, idle as long as the app
/// was, with GPU compositing off as in the app: what any WebKit window costs on this machine.
async fn blank_webkit_memory(idle: Duration) -> Result<Vec<Proc>> {
    let browser = std::env::var("BENCH_MINIBROWSER")
        .unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser".to_owned());
    let mut child = std::process::Command::new(&browser)
        .arg("about:blank")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {browser} (set BENCH_MINIBROWSER)"))?;
    tokio::time::sleep(idle).await;
    let name = std::path::Path::new(&browser)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let procs = process_tree(child.id(), &name);
    let _ = child.kill();
    let _ = child.wait();
    procs
}

struct Latency {
    decide_dom: Vec<f64>,
    decide_frame: Vec<f64>,
    next_dom: Vec<f64>,
    next_frame: Vec<f64>,
    /// Key presses after which no other item opened within 3 s (not timed).
    missed: Vec<String>,
    /// j/k presses at either end of the list, which the page said it could not go past (not timed).
    ends: usize,
}

/// Alternates `j` (next item, the baseline) and `a` (approve; the next item opens), each timed in the
/// page from the keydown to the new item view in the DOM and to the frame after it.
async fn measure_latency(wd: &WebDriver, decisions: usize) -> Result<Latency> {
    let mut latency = Latency {
        decide_dom: Vec::new(),
        decide_frame: Vec::new(),
        next_dom: Vec::new(),
        next_frame: Vec::new(),
        missed: Vec::new(),
        ends: 0,
    };
    wd.keys(&["\u{E00C}"]).await?; // Escape: focus out of any text field
    let warm_up = 5;
    // The baseline moves down with `j` and, from the last row, up with `k` (the same work): the order
    // of the list changes under the bench as the server renews leases, so the open row can be last.
    let mut step = "j";
    for n in 0..decisions + warm_up {
        let at = wd.open_row_position().await?;
        if at.is_end_for("j") {
            step = "k";
        } else if at.is_end_for("k") {
            step = "j";
        }
        let (dom, frame) = loop {
            match probe_key(wd, step)
                .await
                .with_context(|| format!("key {step}"))?
            {
                Ok(times) => break times,
                Err(state) if state.starts_with(AT_AN_END) => {
                    eprintln!("`{step}` {state}; turning");
                    latency.ends += 1;
                    step = if step == "j" { "k" } else { "j" };
                }
                Err(state) => {
                    eprintln!("`{step}` opened no other item within 3 s, turning: {state}");
                    latency.missed.push(format!("{step}: {state}"));
                    ensure!(latency.missed.len() <= 5, "too many ignored key presses");
                    step = if step == "j" { "k" } else { "j" };
                }
            }
        };
        if n >= warm_up {
            latency.next_dom.push(dom);
            latency.next_frame.push(frame);
        }
        let (dom, frame) = press(wd, "a", &mut latency.missed).await?;
        if n >= warm_up {
            latency.decide_dom.push(dom);
            latency.decide_frame.push(frame);
        }
    }
    Ok(latency)
}

/// Presses `key` until the page opens another item; a press the page ignored is counted, not timed.
async fn press(wd: &WebDriver, key: &str, missed: &mut Vec<String>) -> Result<(f64, f64)> {
    loop {
        match probe_key(wd, key)
            .await
            .with_context(|| format!("key {key}"))?
        {
            Ok(times) => return Ok(times),
            Err(state) => {
                eprintln!("`{key}` opened no other item within 3 s: {state}");
                missed.push(format!("{key}: {state}"));
                ensure!(missed.len() <= 5, "too many ignored key presses");
            }
        }
    }
}

const PROBE: &str = r#"
const view = () => document.querySelector('[data-testid="item-view"]');
const before = view() ? view().dataset.itemId : null;
const b = window.__bench = { before, key: null, dom: null, frame: null };
if (!window.__benchKey) {
  window.__benchKey = true;
  window.addEventListener('keydown', (e) => {
    const b = window.__bench;
    if (b && b.key === null) {
      b.key = performance.now();
      b.event = { key: e.key, alt: e.altKey, ctrl: e.ctrlKey, meta: e.metaKey, shift: e.shiftKey, target: e.target && e.target.tagName };
    }
  }, { capture: true });
}
const observer = new MutationObserver(() => {
  const v = view();
  if (b.dom === null && v && v.dataset.itemId && v.dataset.itemId !== b.before) {
    b.dom = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => { b.frame = performance.now(); });
  }
});
observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-item-id'] });
return before;
"#;

/// How `probe_key` reports a press at either end of the list, which the page answered by saying so.
const AT_AN_END: &str = "at an end of the list";

const DIAGNOSE: &str = r#"
const v = document.querySelector('[data-testid="item-view"]');
const sel = document.querySelector('[data-testid="inbox-row"][aria-selected="true"]');
const a = document.activeElement;
return { view: v && v.dataset.itemId, selected: sel && sel.dataset.itemId,
  rows: document.querySelectorAll('[data-testid="inbox-row"]').length,
  active: a && (a.tagName + ' ' + (a.dataset.testid || '')),
  online: document.querySelector('[data-testid="status-online"]')?.dataset.online,
  total: document.querySelector('[data-testid="inbox-total"]')?.textContent,
  pos: sel && sel.getAttribute('aria-posinset'),
  first: document.querySelector('[data-testid="inbox-row"]')?.dataset.itemId,
  conflicts: document.querySelector('[data-testid="open-conflicts"]')?.getAttribute('aria-pressed'),
  dialog: !!document.querySelector('[role="dialog"]'), focused: document.hasFocus(),
  error: document.querySelector('[role="alert"]')?.textContent,
  said: document.querySelector('[data-testid="announcer"]')?.textContent };
"#;

/// One timed key press; `Ok(Err(…))` when the page did not open another item within 3 s.
async fn probe_key(wd: &WebDriver, key: &str) -> Result<std::result::Result<(f64, f64), String>> {
    let before = wd.execute(PROBE).await?;
    ensure!(before.is_string(), "no item open before {key}");
    wd.keys(&[key]).await?;
    let started = Instant::now();
    loop {
        let b = wd.execute("return window.__bench;").await?;
        if let (Some(key_at), Some(dom), Some(frame)) =
            (b["key"].as_f64(), b["dom"].as_f64(), b["frame"].as_f64())
        {
            return Ok(Ok((dom - key_at, frame - key_at)));
        }
        if started.elapsed() > Duration::from_secs(3) {
            let page = wd.execute(DIAGNOSE).await.unwrap_or_default();
            // The open row reached an end of the list meanwhile (it changed under the bench): the
            // page says so and opens nothing, a press answered, not lost.
            if wd.open_row_position().await?.is_end_for(key) {
                return Ok(Err(format!("{AT_AN_END}: {}", page["said"])));
            }
            // Late or lost? Keep watching a while: a late open points at a stalled backend call.
            let mut fate = "never opened within 20 s".to_owned();
            while started.elapsed() < Duration::from_secs(20) {
                let b = wd.execute("return window.__bench;").await?;
                if let (Some(key_at), Some(dom)) = (b["key"].as_f64(), b["dom"].as_f64()) {
                    fate = format!("opened {:.0} ms after the key", dom - key_at);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            return Ok(Err(format!("{fate}; at 3 s: {b}; page: {page}")));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(
    ready: &[Duration],
    inbox: &[Duration],
    memory: &[Proc],
    blank: &[Proc],
    latency: Option<&Latency>,
) {
    let ready: Vec<f64> = ready.iter().copied().map(ms).collect();
    let inbox: Vec<f64> = inbox.iter().copied().map(ms).collect();
    let max = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
    println!();
    println!("== cold start ({} runs, release binary)", inbox.len());
    println!("| measure | median | max | target |");
    println!("|---|---|---|---|");
    println!(
        "| interactive inbox (first row + item view) | {:.0} ms | {:.0} ms | ≤ 1000 ms |",
        percentile(&inbox, 50.0),
        max(&inbox)
    );
    println!(
        "| baseline: readyState complete | {:.0} ms | {:.0} ms | |",
        percentile(&ready, 50.0),
        max(&ready)
    );
    println!(
        "| ratio inbox / readyState (median) | {:.2}× | | |",
        percentile(&inbox, 50.0) / percentile(&ready, 50.0)
    );

    println!();
    println!("== idle memory (after the idle wait)");
    println!("| pid | process | RSS | PSS |");
    println!("|---|---|---|---|");
    let mb = |kb: u64| kb as f64 / 1024.0;
    for p in memory {
        println!(
            "| {} | {} | {:.1} MB | {:.1} MB |",
            p.pid,
            p.name,
            mb(p.rss_kb),
            mb(p.pss_kb)
        );
    }
    let sum = |f: &dyn Fn(&Proc) -> bool, g: &dyn Fn(&Proc) -> u64| -> u64 {
        memory.iter().filter(|p| f(p)).map(g).sum()
    };
    let is_app = |p: &Proc| p.name == "countersign-desktop";
    let all = |_: &Proc| true;
    let webkit = |p: &Proc| p.name != "countersign-desktop";
    let (rss, pss) = (|p: &Proc| p.rss_kb, |p: &Proc| p.pss_kb);
    println!(
        "| | total (target ≤ 150 MB) | {:.1} MB | {:.1} MB |",
        mb(sum(&all, &rss)),
        mb(sum(&all, &pss))
    );
    println!(
        "| | app process | {:.1} MB | {:.1} MB |",
        mb(sum(&is_app, &rss)),
        mb(sum(&is_app, &pss))
    );
    println!(
        "| | baseline: WebKit processes | {:.1} MB | {:.1} MB |",
        mb(sum(&webkit, &rss)),
        mb(sum(&webkit, &pss))
    );
    println!(
        "| | ratio app / WebKit (PSS) | | {:.2}× |",
        sum(&is_app, &pss) as f64 / sum(&webkit, &pss) as f64
    );
    let blank_rss: u64 = blank.iter().map(|p| p.rss_kb).sum();
    let blank_pss: u64 = blank.iter().map(|p| p.pss_kb).sum();
    println!(
        "| | baseline: WebKit's MiniBrowser on about:blank ({} processes) | {:.1} MB | {:.1} MB |",
        blank.len(),
        mb(blank_rss),
        mb(blank_pss)
    );
    println!(
        "| | ratio total / blank MiniBrowser (PSS) | | {:.2}× |",
        sum(&all, &pss) as f64 / blank_pss as f64
    );

    let Some(latency) = latency else {
        println!();
        println!("== keydown to the next item's view: FAILED (see the error below)");
        return;
    };
    println!();
    println!(
        "== keydown to the next item's view ({} each, in-page clock)",
        latency.decide_dom.len()
    );
    println!("| measure | p50 | p99 | max |");
    println!("|---|---|---|---|");
    let row = |label: &str, v: &[f64]| {
        println!(
            "| {label} | {:.1} ms | {:.1} ms | {:.1} ms |",
            percentile(v, 50.0),
            percentile(v, 99.0),
            max(v)
        );
    };
    row(
        "decide `a` → next item in DOM (target p99 ≤ 16 ms)",
        &latency.decide_dom,
    );
    row("decide `a` → next frame", &latency.decide_frame);
    row("baseline: `j`/`k` → next item in DOM", &latency.next_dom);
    row("baseline: `j`/`k` → next frame", &latency.next_frame);
    println!(
        "| ratio decide / navigate (DOM) | {:.2}× | {:.2}× | |",
        percentile(&latency.decide_dom, 50.0) / percentile(&latency.next_dom, 50.0),
        percentile(&latency.decide_dom, 99.0) / percentile(&latency.next_dom, 99.0)
    );
    println!(
        "key presses that opened no other item within 3 s (not timed): {}",
        latency.missed.len()
    );
    println!(
        "j/k presses at an end of the list, answered by saying so (not timed): {}",
        latency.ends
    );
}

/// Where the cold start's time goes: each phase's median and spread over the runs, in ms since the
/// WebDriver session was asked for, and its share of the interactive inbox.
fn report_startup(startups: &[HashMap<String, f64>], ready: &[Duration], inbox: &[Duration]) {
    let inbox: Vec<f64> = inbox.iter().copied().map(ms).collect();
    let ready: Vec<f64> = ready.iter().copied().map(ms).collect();
    let total = percentile(&inbox, 50.0);
    println!();
    println!(
        "== where the cold start goes ({} runs; ms since the WebDriver session was asked for)",
        startups.len()
    );
    println!("| phase | median | spread | of the interactive inbox |");
    println!("|---|---|---|---|");
    let row = |label: &str, v: &[f64]| {
        if v.is_empty() {
            println!("| {label} | – | – | |");
            return;
        }
        let min = v.iter().copied().fold(f64::NAN, f64::min);
        let max = v.iter().copied().fold(f64::NAN, f64::max);
        let median = percentile(v, 50.0);
        println!(
            "| {label} | {median:.0} ms | {min:.0}–{max:.0} | {:.0}% |",
            100.0 * median / total
        );
    };
    for &(key, label) in PHASES {
        let values: Vec<f64> = if key == "ready" {
            ready.clone()
        } else {
            startups
                .iter()
                .filter_map(|s| s.get(key).copied())
                .collect()
        };
        row(label, &values);
    }
    row(
        "interactive inbox: first row and item view (polled)",
        &inbox,
    );
}
