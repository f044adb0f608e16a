//! Accessibility checks in the real WebKit window (issue 14, item 5): axe-core on each screen in both
//! themes, modal dialogs, the keyboard-scrollable item body, the toast clear of the decision bar, and
//! the minimum window size.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use countersign_tests::webdriver::WebDriver;
use serde_json::{Value, json};

use super::ESCAPE;

const TAB: &str = "\u{E004}";
const PAGE_DOWN: &str = "\u{E00F}";

/// axe-core, read from the UI's devDependencies, and the moderate findings met so far.
pub struct Axe {
    source: String,
    pub moderate: Vec<String>,
    pub summary: Vec<String>,
}

impl Axe {
    pub fn load() -> Result<Self> {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path)
            .with_context(|| format!("read {} (`npm --prefix ui ci`)", path.display()))?;
        Ok(Self {
            source,
            moderate: Vec::new(),
            summary: Vec::new(),
        })
    }

    /// Runs axe on what the window shows now, in the light and then the dark theme, and fails on any
    /// critical or serious violation. The theme is switched the way `ui/src/lib/theme.ts` does it (the
    /// `data-theme` attribute of the root element), which also works while a modal dialog makes the
    /// header's toggle inert; the theme the window had is put back afterwards.
    pub async fn check(&mut self, wd: &WebDriver, screen: &str) -> Result<()> {
        let original = current_theme(wd).await?;
        let mut failures = Vec::new();
        for theme in ["light", "dark"] {
            set_theme(wd, theme).await?;
            let result = self.run(wd).await?;
            let mut counts = [0usize; 4];
            for v in result["violations"].as_array().into_iter().flatten() {
                let impact = v["impact"].as_str().unwrap_or("unknown");
                let line = format!(
                    "{screen} [{theme}]: {} ({impact}, {} nodes) first at {}: {}",
                    v["id"], v["nodes"], v["target"], v["help"]
                );
                match impact {
                    "critical" | "serious" => failures.push(line),
                    "moderate" => self.moderate.push(line),
                    _ => {}
                }
                let slot = ["critical", "serious", "moderate", "minor"]
                    .iter()
                    .position(|i| *i == impact)
                    .unwrap_or(3);
                counts[slot] += 1;
            }
            self.summary.push(format!(
                "{screen} [{theme}]: critical {}, serious {}, moderate {}, minor {}; \
                 contrast left for a person to judge: {}",
                counts[0], counts[1], counts[2], counts[3], result["undecided"]
            ));
        }
        restore_theme(wd, &original).await?;
        ensure!(
            failures.is_empty(),
            "axe found critical or serious violations:\n{}",
            failures.join("\n")
        );
        Ok(())
    }

    async fn run(&self, wd: &WebDriver) -> Result<Value> {
        let present = wd.execute("return typeof window.axe;").await?;
        if present != "object" {
            wd.execute(&format!("{}\n;return typeof window.axe;", self.source))
                .await?;
            wd.call(
                reqwest::Method::POST,
                "/timeouts",
                Some(json!({"script": 120_000})),
            )
            .await?;
            // A canary: an image without a text alternative, checked alone, must be reported, so that
            // a clean result below means a clean page and not an axe that sees nothing in WebKit.
            let canary = wd
                .execute_async(
                    "const done = arguments[arguments.length - 1]; \
                     const c = document.createElement('div'); c.id = 'axe-canary'; \
                     c.innerHTML = '<img src=\"data:,\">'; document.body.appendChild(c); \
                     window.axe.run('#axe-canary', {resultTypes: ['violations']}) \
                       .then(r => { c.remove(); done(r.violations.map(v => v.id)); }, \
                             e => { c.remove(); done({error: String(e)}); });",
                )
                .await?;
            ensure!(
                canary
                    .as_array()
                    .is_some_and(|ids| ids.contains(&json!("image-alt"))),
                "axe reports a known violation in this window: {canary}"
            );
        }
        let result = wd
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 window.axe.run(document, {resultTypes: ['violations']}).then(r => done({ \
                   violations: r.violations.map(v => ({ \
                     id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, \
                     target: v.nodes.length ? v.nodes[0].target : null })), \
                   undecided: r.incomplete.filter(v => v.id === 'color-contrast').flatMap(v => v.nodes.map(n => n.target)) \
                 }), e => done({error: String(e)}));",
            )
            .await?;
        ensure!(result["violations"].is_array(), "axe did not run: {result}");
        Ok(result)
    }

    pub fn print(&self) {
        println!("axe results per screen and theme:");
        for line in &self.summary {
            println!("  {line}");
        }
        println!("moderate axe violations ({}):", self.moderate.len());
        for line in &self.moderate {
            println!("  {line}");
        }
    }
}

/// The theme the window shows now (the root element's `data-theme`, as `ui/src/lib/theme.ts` sets it).
pub async fn current_theme(wd: &WebDriver) -> Result<Value> {
    wd.execute("return document.documentElement.dataset.theme || '';")
        .await
}

/// Switches the theme the way `ui/src/lib/theme.ts` does, and waits two frames so that the new colours
/// are computed before anything reads or photographs them.
pub async fn set_theme(wd: &WebDriver, theme: &str) -> Result<()> {
    wd.execute(&format!(
        "document.documentElement.dataset.theme = '{theme}'; return null;"
    ))
    .await?;
    two_frames(wd).await
}

/// Waits two animation frames: what a script changed has been laid out and painted.
pub async fn two_frames(wd: &WebDriver) -> Result<()> {
    wd.execute_async(
        "const done = arguments[arguments.length - 1]; \
         requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
    )
    .await?;
    Ok(())
}

/// Puts back a theme read by `current_theme`.
pub async fn restore_theme(wd: &WebDriver, original: &Value) -> Result<()> {
    wd.execute(&format!(
        "document.documentElement.dataset.theme = {original}; return null;"
    ))
    .await?;
    Ok(())
}

/// Opens a dialog by its header button, checks that Tab keeps the focus inside it and that Escape
/// closes it, with axe run while it is open.
pub async fn dialog(wd: &WebDriver, axe: &mut Axe, opener: &str, dialog: &str) -> Result<()> {
    wd.click(&format!(r#"[data-testid="{opener}"]"#)).await?;
    let css = format!(r#"[data-testid="{dialog}"]"#);
    wd.wait_for(&css, Duration::from_secs(10)).await?;
    axe.check(wd, dialog).await?;
    let focusables = wd
        .execute(&format!(
            "return document.querySelectorAll('{} :is(a[href], button, input, select, textarea, summary, [tabindex])').length;",
            css.replace('\'', "\\'")
        ))
        .await?
        .as_u64()
        .unwrap_or(0);
    // Twice round and then some, so the wrap at both ends is crossed.
    for press in 0..(2 * focusables + 2) {
        wd.keys(&[TAB]).await?;
        let inside = wd
            .execute(&format!(
                "return !!document.activeElement && !!document.activeElement.closest('{}');",
                css.replace('\'', "\\'")
            ))
            .await?;
        ensure!(
            inside == true,
            "Tab #{} left the {dialog} dialog",
            press + 1
        );
    }
    wd.keys(&[ESCAPE]).await?;
    wd.wait_until(
        &format!("Escape closes {dialog}"),
        Duration::from_secs(5),
        || async { Ok(wd.count(&css).await? == 0) },
    )
    .await
}

/// Focuses the open item's body and checks that Page Down scrolls it.
pub async fn page_down_scrolls_the_body(wd: &WebDriver) -> Result<()> {
    let before = wd
        .execute(
            "const b = document.querySelector('[data-scroll-body]'); b.focus(); b.scrollTop = 0; \
             return { top: b.scrollTop, overflow: b.scrollHeight - b.clientHeight, focused: document.activeElement === b };",
        )
        .await?;
    ensure!(
        before["overflow"].as_f64().unwrap_or(0.0) > 0.0,
        "the item body has more than fits, so Page Down has somewhere to go: {before}"
    );
    ensure!(before["focused"] == true, "the item body takes the focus");
    wd.keys(&[PAGE_DOWN]).await?;
    wd.wait_until(
        "Page Down scrolls the item body",
        Duration::from_secs(5),
        || async {
            let top = wd
                .execute("return document.querySelector('[data-scroll-body]').scrollTop;")
                .await?;
            Ok(top.as_f64().unwrap_or(0.0) > 0.0)
        },
    )
    .await
}

/// After a decision: the toast appears and its rectangle never meets the decision bar's.
pub async fn toast_clear_of_decision_bar(wd: &WebDriver) -> Result<()> {
    wd.wait_for(r#"[data-testid="toast"]"#, Duration::from_secs(10))
        .await
        .context("a decision is confirmed by a toast")?;
    let rects = wd
        .execute(
            "const r = s => { const e = document.querySelector(s); if (!e) return null; \
               const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }; \
             return { toast: r('[data-testid=toast]'), bar: r('[data-testid=decision-bar]') };",
        )
        .await?;
    let rect = |name: &str| -> Result<[f64; 4]> {
        let v = rects[name]
            .as_array()
            .with_context(|| format!("no {name} on screen: {rects}"))?;
        let n = |i: usize| v.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
        Ok([n(0), n(1), n(2), n(3)])
    };
    let [tl, tt, tr, tb] = rect("toast")?;
    let [bl, bt, br, bb] = rect("bar")?;
    let apart = tr <= bl || br <= tl || tb <= bt || bb <= tt;
    ensure!(apart, "the toast covers the decision bar: {rects}");
    Ok(())
}

/// Resizes the window to its 800×560 minimum: nothing scrolls sideways and the decision controls of
/// the open item are all in view.
pub async fn minimum_window(wd: &WebDriver, output: &Path) -> Result<()> {
    wd.call(
        reqwest::Method::POST,
        "/window/rect",
        Some(json!({"width": 800, "height": 560})),
    )
    .await?;
    wd.wait_until("the window at 800×560", Duration::from_secs(10), || async {
        let width = wd.execute("return window.innerWidth;").await?;
        Ok(width.as_f64().is_some_and(|w| w <= 800.0))
    })
    .await?;
    wd.wait_for(r#"[data-testid="decision-bar"]"#, Duration::from_secs(10))
        .await?;
    let layout = wd
        .execute(
            "const w = window.innerWidth, h = window.innerHeight; \
             const controls = [...document.querySelectorAll('[data-testid=decision-bar] button')]; \
             const hidden = controls.filter(c => { const r = c.getBoundingClientRect(); \
               return r.width === 0 || r.height === 0 || r.left < 0 || r.top < 0 || r.right > w || r.bottom > h; }) \
               .map(c => c.textContent); \
             return { scrollWidth: document.documentElement.scrollWidth, width: w, height: h, \
                      controls: controls.length, hidden };",
        )
        .await?;
    wd.screenshot(&output.join("minimum-window.png")).await?;
    let scroll_width = layout["scrollWidth"].as_f64().unwrap_or(f64::INFINITY);
    let width = layout["width"].as_f64().unwrap_or(0.0);
    ensure!(
        scroll_width <= width,
        "no horizontal scroll at 800×560: {layout}"
    );
    ensure!(
        layout["controls"].as_u64().unwrap_or(0) > 0
            && layout["hidden"].as_array().is_some_and(Vec::is_empty),
        "every decision control is in view at 800×560: {layout}"
    );
    Ok(())
}
