//! A small WebDriver client for driving the real Countersign window through tauri-driver
//! (WebKitWebDriver), shared by the desktop end-to-end test and the desktop benchmark.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use base64::Engine;
use serde_json::{Value, json};

/// tauri-driver on a free port, killed on every exit path (a leaked one holds its port).
pub struct TauriDriver {
    child: Child,
    pub port: u16,
}

impl TauriDriver {
    /// Starts `program` (tauri-driver) with `env`; its output is shown unless `quiet`.
    pub fn start(program: &str, env: &[(&str, String)], quiet: bool) -> Result<Self> {
        let port = free_port()?;
        let native_port = free_port()?;
        let child = Command::new(program)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(if quiet {
                Stdio::null()
            } else {
                Stdio::inherit()
            })
            .stderr(if quiet {
                Stdio::null()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .with_context(|| {
                format!("cannot start {program}: `cargo install tauri-driver --locked`")
            })?;
        Ok(Self { child, port })
    }

    /// The driver's process id (the app and WebKit run below it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the driver answers on its port.
    pub async fn wait_ready(&self) -> Result<()> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("HTTP client");
        let started = Instant::now();
        while http
            .get(format!("http://127.0.0.1:{}/status", self.port))
            .send()
            .await
            .is_err()
        {
            ensure!(
                started.elapsed() < Duration::from_secs(30),
                "tauri-driver did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The few WebDriver commands the desktop test and benchmark need, over plain HTTP.
pub struct WebDriver {
    http: reqwest::Client,
    base: String,
}

impl WebDriver {
    pub async fn new(port: u16, app: &Path) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let root = format!("http://127.0.0.1:{port}");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": app.display().to_string()}
        }}});
        let response: Value = http
            .post(format!("{root}/session"))
            .json(&capabilities)
            .send()
            .await?
            .json()
            .await?;
        let id = response["value"]["sessionId"]
            .as_str()
            .with_context(|| format!("no session: {response}"))?;
        Ok(Self {
            http,
            base: format!("{root}/session/{id}"),
        })
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await?.json().await?;
        if let Some(error) = response["value"]["error"].as_str() {
            bail!(
                "WebDriver {path}: {error}: {}",
                response["value"]["message"]
            );
        }
        Ok(response["value"].clone())
    }

    pub async fn quit(&self) -> Result<Value> {
        self.call(reqwest::Method::DELETE, "", None).await
    }

    pub async fn execute(&self, script: &str) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` as an asynchronous WebDriver script: it calls `arguments[arguments.length - 1]`
    /// with its result.
    pub async fn execute_async(&self, script: &str) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) -> Result<()> {
        let element = self.find(css).await?;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    pub async fn find(&self, css: &str) -> Result<String> {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("no element {css}"))
    }

    pub async fn count(&self, css: &str) -> Result<usize> {
        let found = self
            .call(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(found.as_array().map_or(0, Vec::len))
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        let element = self.find(css).await?;
        let text = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{element}/text"),
                None,
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    pub async fn attr(&self, css: &str, name: &str) -> Result<String> {
        let element = self.find(css).await?;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{element}/attribute/{name}"),
                None,
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Types into an element (WebDriver focuses it first).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let element = self.find(css).await?;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await?;
        Ok(())
    }

    /// Presses the keys together (a chord) on whatever has focus, as a person would.
    pub async fn keys(&self, chord: &[&str]) -> Result<()> {
        let mut actions: Vec<Value> = chord
            .iter()
            .map(|k| json!({"type": "keyDown", "value": k}))
            .collect();
        actions.extend(
            chord
                .iter()
                .rev()
                .map(|k| json!({"type": "keyUp", "value": k})),
        );
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await?;
        self.call(reqwest::Method::DELETE, "/actions", None).await?;
        Ok(())
    }

    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let data = self.call(reqwest::Method::GET, "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().context("screenshot is not a string")?)?;
        std::fs::write(path, png)?;
        Ok(())
    }

    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<()> {
        self.wait_until(css, timeout, || async { Ok(self.count(css).await? > 0) })
            .await
    }

    pub async fn wait_until<F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: F,
    ) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let started = Instant::now();
        let mut last = None;
        loop {
            match check().await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(error) => last = Some(error),
            }
            if started.elapsed() > timeout {
                bail!("timed out after {timeout:?} waiting for {what} (last error: {last:?})");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The open item's id, if any.
    pub async fn open_item(&self) -> Result<String> {
        self.attr(r#"[data-testid="item-view"]"#, "data-item-id")
            .await
    }

    /// Where the open row sits in the whole list.
    pub async fn open_row_position(&self) -> Result<ListPosition> {
        let at = self
            .execute(
                "const row = document.querySelector('[data-testid=\"inbox-row\"][aria-selected=\"true\"]'); \
                 return row ? [Number(row.getAttribute('aria-posinset')), Number(row.getAttribute('aria-setsize'))] : [];",
            )
            .await?;
        Ok(ListPosition {
            pos: at[0].as_u64(),
            size: at[1].as_u64(),
        })
    }

    /// Moves to `item_id` with j (down) and then k (up), the way a reviewer would: one press at a
    /// time, each waited for (a press made while the last one is still opening its item moves on past
    /// it, as a reviewer's second press would), turning at the end of the list.
    pub async fn select_by_keyboard(&self, item_id: &str) -> Result<()> {
        // Focus must not be in a text field for the shortcuts to act.
        self.keys(&["\u{E00C}"]).await?; // Escape
        for key in ["j", "k"] {
            for _ in 0..12 {
                let before = self.open_item().await.ok();
                if before.as_deref() == Some(item_id) {
                    return Ok(());
                }
                if self.open_row_position().await?.is_end_for(key) {
                    break;
                }
                self.keys(&[key]).await?;
                self.wait_until(
                    "the press opens another item",
                    Duration::from_secs(10),
                    || {
                        let before = before.clone();
                        async move { Ok(self.open_item().await.ok() != before) }
                    },
                )
                .await?;
            }
        }
        let row = format!(r#"[data-testid="item-view"][data-item-id="{item_id}"]"#);
        self.wait_for(&row, Duration::from_secs(2))
            .await
            .with_context(|| format!("cannot reach item {item_id} with j/k"))
    }

    /// Waits until the inbox row of `item_id` has one of the `|`-separated statuses; rows of decided
    /// items may leave the "to do" list, so the assignment is asked for directly too.
    pub async fn wait_status(&self, item_id: &str, statuses: &str) -> Result<()> {
        let wanted: Vec<&str> = statuses.split('|').collect();
        self.wait_until(&format!("{item_id} {statuses}"), Duration::from_secs(15), || async {
            let script = format!(
                "return window.__TAURI_INTERNALS__.invoke('get_assignment', {{ itemId: '{item_id}' }})\
                 .then(v => v.summary.status);"
            );
            let status = self
                .execute_async(&format!(
                    "const done = arguments[arguments.length - 1]; (function() {{ {script} }})().then(done, e => done('error: ' + JSON.stringify(e)));"
                ))
                .await?;
            Ok(status.as_str().is_some_and(|s| wanted.contains(&s)))
        })
        .await
    }
}

/// The open row's place in the whole list: the virtual list's aria-posinset and aria-setsize (none
/// when no row is open).
#[derive(Clone, Copy, Debug)]
pub struct ListPosition {
    pub pos: Option<u64>,
    pub size: Option<u64>,
}

impl ListPosition {
    /// Whether `key` (j: down, k: up) would go past an end of the list from here.
    pub fn is_end_for(self, key: &str) -> bool {
        match key {
            "j" => self.pos.is_some() && self.pos == self.size,
            "k" => self.pos == Some(1),
            _ => false,
        }
    }
}
