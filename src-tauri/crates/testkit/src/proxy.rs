//! A TCP proxy in front of a queue service, speaking just enough HTTP/1.1 to see request boundaries
//! on kept-alive connections. It keeps one address across server restarts, can cut the network (every
//! live connection and every new one), can let the server commit a push or a pull and then lose its
//! answer or alter it on the way, and remembers the pushes it forwarded so that a test can send them
//! again, late and out of order. For fault storms it also delays or drops new connections and cuts the
//! live ones on demand.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A push request as it went to the server: its bearer token and JSON body.
#[derive(Debug, Clone)]
pub struct CapturedPush {
    pub authorization: String,
    pub body: Vec<u8>,
}

/// What befalls one pull's answer after the server has committed the pull.
pub enum PullFault {
    /// The answer never reaches the client (the connection closes).
    Lose,
    /// The answer's JSON is changed on its way to the client.
    Alter(Box<dyn Fn(&mut Value) + Send + Sync>),
}

#[derive(Default)]
struct Shared {
    upstream: Mutex<Option<SocketAddr>>,
    offline: AtomicBool,
    drop_next_push_response: AtomicBool,
    /// The fault for a coming pull answer, and how many pull answers still pass before it.
    pull_fault: Mutex<Option<(u64, PullFault)>>,
    pushes: Mutex<Vec<CapturedPush>>,
    responses_dropped: AtomicU64,
    /// Latency added before a new connection is relayed, in ms.
    delay_ms: AtomicU64,
    /// Per mille of new connections closed at once.
    drop_per_mille: AtomicU64,
    /// Connections being relayed now.
    live: AtomicU64,
    /// Faults that hit a connection: live ones cut by `cut_all`, new ones dropped, answers lost.
    injected: AtomicU64,
}

/// See the module documentation. Dropping it stops accepting (live relays end with their peers).
pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    /// Bumped to end every live relay (a cut, or a new upstream).
    generation: watch::Sender<u64>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.generation.send_modify(|g| *g += 1);
    }
}

impl Proxy {
    pub async fn start(upstream: Option<SocketAddr>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared::default());
        *shared.upstream.lock().expect("proxy lock") = upstream;
        let (generation, _) = watch::channel(0u64);
        let accept = {
            let shared = shared.clone();
            let generation = generation.clone();
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let target = *shared.upstream.lock().expect("proxy lock");
                    if shared.offline.load(Ordering::SeqCst) {
                        continue; // dropped at once: the network is down
                    }
                    let Some(target) = target else { continue };
                    let shared = shared.clone();
                    let mut cut = generation.subscribe();
                    tokio::spawn(async move {
                        let delay = shared.delay_ms.load(Ordering::SeqCst);
                        if delay > 0 {
                            tokio::time::sleep(Duration::from_millis(delay)).await;
                        }
                        let drop = shared.drop_per_mille.load(Ordering::SeqCst);
                        if drop > 0 && rand::random_range(0..1000) < drop {
                            shared.injected.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                        shared.live.fetch_add(1, Ordering::SeqCst);
                        tokio::select! {
                            () = relay(client, target, &shared) => {}
                            _ = cut.changed() => {}
                        }
                        shared.live.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            })
        };
        Proxy {
            addr,
            shared,
            generation,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points the proxy at a (restarted) server; live connections are cut.
    pub fn set_upstream(&self, target: Option<SocketAddr>) {
        *self.shared.upstream.lock().expect("proxy lock") = target;
        self.generation.send_modify(|g| *g += 1);
    }

    /// Offline: every live connection is cut and new ones are closed at once.
    pub fn set_offline(&self, offline: bool) {
        self.shared.offline.store(offline, Ordering::SeqCst);
        if offline {
            self.generation.send_modify(|g| *g += 1);
        }
    }

    /// The next push reaches the server and is answered, but the answer never reaches the client.
    pub fn lose_next_push_response(&self, lose: bool) {
        self.shared
            .drop_next_push_response
            .store(lose, Ordering::SeqCst);
    }

    /// The pull answer after the next `passing` ones meets `fault` (the server has committed that pull).
    pub fn fault_pull(&self, passing: u64, fault: PullFault) {
        *self.shared.pull_fault.lock().expect("proxy lock") = Some((passing, fault));
    }

    /// Whether a pull fault set by [`Proxy::fault_pull`] still waits for its pull.
    pub fn pull_fault_pending(&self) -> bool {
        self.shared.pull_fault.lock().expect("proxy lock").is_some()
    }

    /// Cuts every connection open now (requests in flight included); new ones go through.
    pub fn cut_all(&self) {
        let live = self.shared.live.load(Ordering::SeqCst);
        self.shared.injected.fetch_add(live, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Latency before each new connection is relayed.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.delay_ms.store(
            u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
    }

    /// Closes this share (0..=1000 per mille) of new connections at once.
    pub fn set_drop_per_mille(&self, per_mille: u64) {
        self.shared
            .drop_per_mille
            .store(per_mille.min(1000), Ordering::SeqCst);
    }

    /// Back to a faithful proxy (the network stays as `set_offline` left it).
    pub fn clear_faults(&self) {
        self.set_delay(Duration::ZERO);
        self.set_drop_per_mille(0);
        self.lose_next_push_response(false);
        self.shared.pull_fault.lock().expect("proxy lock").take();
    }

    /// Faults that hit a connection so far: live ones cut, new ones dropped, answers lost.
    pub fn faults_injected(&self) -> u64 {
        self.shared.injected.load(Ordering::SeqCst)
    }

    /// How many push and pull answers were lost on purpose so far.
    pub fn responses_dropped(&self) -> u64 {
        self.shared.responses_dropped.load(Ordering::SeqCst)
    }

    /// Every push forwarded to the server, oldest first.
    pub fn pushes(&self) -> Vec<CapturedPush> {
        self.shared.pushes.lock().expect("proxy lock").clone()
    }

    /// How many pushes were forwarded so far (one in flight included).
    pub fn pushes_seen(&self) -> u64 {
        let pushes = self.shared.pushes.lock().expect("proxy lock").len();
        u64::try_from(pushes).unwrap_or(u64::MAX)
    }
}

/// One HTTP/1.1 message read off a stream: head and body, or None when the framing is not one this
/// proxy understands (then it falls back to copying bytes).
struct Message {
    raw: Vec<u8>,
    head: String,
}

struct Reader {
    buf: Vec<u8>,
}

enum Read {
    Message(Message),
    /// Not Content-Length framed (chunked, or a stream): what was read so far.
    Unframed(Vec<u8>),
    Closed,
}

impl Reader {
    async fn next(&mut self, stream: &mut TcpStream) -> Read {
        let head_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at + 4;
            }
            if !self.fill(stream).await {
                return Read::Closed;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let lower = head.to_ascii_lowercase();
        if lower.contains("transfer-encoding:") {
            return Read::Unframed(std::mem::take(&mut self.buf));
        }
        let length = lower
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while self.buf.len() < head_end + length {
            if !self.fill(stream).await {
                return Read::Closed;
            }
        }
        let rest = self.buf.split_off(head_end + length);
        let raw = std::mem::replace(&mut self.buf, rest);
        Read::Message(Message { raw, head })
    }

    async fn fill(&mut self, stream: &mut TcpStream) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

async fn relay(mut client: TcpStream, target: SocketAddr, shared: &Shared) {
    let Ok(Ok(mut server)) =
        tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(target)).await
    else {
        return;
    };
    let (mut from_client, mut from_server) =
        (Reader { buf: Vec::new() }, Reader { buf: Vec::new() });
    loop {
        let request = match from_client.next(&mut client).await {
            Read::Message(message) => message,
            Read::Unframed(bytes) => {
                if server.write_all(&bytes).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
                return;
            }
            Read::Closed => return,
        };
        let is_push = request.head.starts_with("POST /v1/sync/push");
        let is_pull = request.head.starts_with("POST /v1/sync/pull");
        if is_push {
            let body_at = find(&request.raw, b"\r\n\r\n").map_or(request.raw.len(), |at| at + 4);
            shared
                .pushes
                .lock()
                .expect("proxy lock")
                .push(CapturedPush {
                    authorization: header(&request.head, "authorization").unwrap_or_default(),
                    body: request.raw[body_at..].to_vec(),
                });
        }
        if server.write_all(&request.raw).await.is_err() {
            return;
        }
        let mut response = match from_server.next(&mut server).await {
            Read::Message(message) => message,
            Read::Unframed(bytes) => {
                if client.write_all(&bytes).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
                return;
            }
            Read::Closed => return,
        };
        // The server has answered, so it has committed: losing the answer now is the case to test.
        if is_push && shared.drop_next_push_response.swap(false, Ordering::SeqCst) {
            shared.responses_dropped.fetch_add(1, Ordering::SeqCst);
            shared.injected.fetch_add(1, Ordering::SeqCst);
            return;
        }
        if is_pull && let Some(fault) = due_pull_fault(shared) {
            shared.injected.fetch_add(1, Ordering::SeqCst);
            match fault {
                PullFault::Lose => {
                    shared.responses_dropped.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                PullFault::Alter(alter) => response = altered(response, alter.as_ref()),
            }
        }
        if client.write_all(&response.raw).await.is_err() {
            return;
        }
    }
}

/// The pull fault due now, if any: counts one more pull answer past it otherwise.
fn due_pull_fault(shared: &Shared) -> Option<PullFault> {
    let mut slot = shared.pull_fault.lock().expect("proxy lock");
    match slot.as_mut() {
        Some((0, _)) => slot.take().map(|(_, fault)| fault),
        Some((passing, _)) => {
            *passing -= 1;
            None
        }
        None => None,
    }
}

/// `response` with its JSON body changed by `alter` and its Content-Length set to match; an answer
/// that is not JSON passes as it is.
fn altered(response: Message, alter: &(dyn Fn(&mut Value) + Send + Sync)) -> Message {
    let body_at = find(&response.raw, b"\r\n\r\n").map_or(response.raw.len(), |at| at + 4);
    let Ok(mut json) = serde_json::from_slice::<Value>(&response.raw[body_at..]) else {
        return response;
    };
    alter(&mut json);
    let body = serde_json::to_vec(&json).expect("JSON");
    let head: String = response
        .head
        .lines()
        .filter(|line| {
            !line.is_empty() && !line.to_ascii_lowercase().starts_with("content-length:")
        })
        .map(|line| format!("{line}\r\n"))
        .collect();
    let head = format!("{head}content-length: {}\r\n\r\n", body.len());
    let mut raw = head.clone().into_bytes();
    raw.extend_from_slice(&body);
    Message { raw, head }
}
