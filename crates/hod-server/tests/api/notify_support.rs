//! Stand-ins at the wire for the notification tests: a real SMTP server process on
//! loopback (Debian's python3-aiosmtpd, `tests/smtp_sink.py`) and a local HTTP server in
//! the Twilio form for the SMS provider.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use hod_server::notify::{NotificationFilter, NotificationRow};
use hod_server::settings::{Secret, Settings, SmtpTls};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SMS_ACCOUNT: &str = "AC0123456789test";
pub const SMS_TOKEN: &str = "sms-token-s3cr3t";
pub const SMS_FROM: &str = "+15125550100";
pub const MAIL_FROM: &str = "hod@example.org";

/// The SMTP server: a child process, killed when dropped.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpSink {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        // Debian's interpreter, which has python3-aiosmtpd (a pyenv on PATH may not).
        let python = if std::path::Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let mut child = Command::new(python)
            .arg(script)
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (apt-get install -y python3-aiosmtpd)");
        // The first line is the port, printed once the server accepts connections.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no port: {line:?}"));
        Self { port, dir, child }
    }

    /// The messages received so far, in order: (raw message, decoded JSON).
    pub fn messages(&self) -> Vec<(String, Value)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|json| {
                let raw = std::fs::read_to_string(json.with_extension("eml")).unwrap();
                let decoded =
                    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
                (raw, decoded)
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request the SMS provider received.
#[derive(Debug, Clone)]
pub struct SmsRequest {
    pub path: String,
    pub authorization: Option<String>,
    pub form: Vec<(String, String)>,
    /// Whether it was answered with success.
    pub accepted: bool,
}

impl SmsRequest {
    pub fn field(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct ProviderState {
    requests: Mutex<Vec<SmsRequest>>,
    fail_next: AtomicUsize,
    /// While true, requests are held open; when it turns false they are answered 503.
    hang: tokio::sync::watch::Sender<bool>,
}

/// The SMS provider: an HTTP server on 127.0.0.1:0 in the test process.
pub struct SmsProvider {
    pub base: String,
    state: Arc<ProviderState>,
    task: tokio::task::JoinHandle<()>,
}

async fn messages(
    State(state): State<Arc<ProviderState>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let form = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let hang = *state.hang.borrow();
    let fail = !hang
        && state
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    state.requests.lock().unwrap().push(SmsRequest {
        path: uri.path().to_owned(),
        authorization: headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned()),
        form,
        accepted: !hang && !fail,
    });
    if hang {
        let _ = state.hang.subscribe().wait_for(|hang| !*hang).await;
    }
    if hang || fail {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"message":"try later"}"#.into(),
        );
    }
    (
        StatusCode::CREATED,
        r#"{"sid":"SM0001","status":"queued"}"#.into(),
    )
}

impl SmsProvider {
    pub async fn start() -> Self {
        let state = Arc::new(ProviderState::default());
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{account}/Messages.json",
                post(messages),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/2010-04-01", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { base, state, task }
    }

    pub fn requests(&self) -> Vec<SmsRequest> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn accepted(&self) -> Vec<SmsRequest> {
        self.requests().into_iter().filter(|r| r.accepted).collect()
    }

    /// The next `n` requests are answered 503.
    pub fn fail_next(&self, n: usize) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    /// Requests from now on are held open, unanswered, until `hang(false)` answers them
    /// 503.
    pub fn hang(&self, hang: bool) {
        self.state.hang.send_replace(hang);
    }
}

impl Drop for SmsProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Settings for both channels against these stand-ins; fast retries.
pub fn configure(settings: &mut Settings, smtp_port: u16, sms_base: &str) {
    let n = &mut settings.notifications;
    n.smtp_host = Some("127.0.0.1".into());
    n.smtp_port = Some(smtp_port);
    n.smtp_tls = SmtpTls::None;
    n.mail_from = Some(format!("Help On Demand <{MAIL_FROM}>"));
    n.sms_api_url = Some(sms_base.parse().unwrap());
    n.sms_account = Some(SMS_ACCOUNT.into());
    n.sms_auth_token = Some(Secret::new(SMS_TOKEN));
    n.sms_from = Some(SMS_FROM.into());
    // Far above a loaded machine's SMTP conversation or provider request: a timeout here
    // would settle a row as a retry due later on the manual clock.
    n.send_timeout = Duration::from_secs(30);
    n.retry_initial = Duration::from_secs(2);
    n.retry_max = Duration::from_secs(10);
}

/// Waits (bounded) until `check` holds; the sender works beside the test, so its effects
/// can only be awaited. Panics with `what` after 20 s.
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every outbox row, oldest first.
pub async fn rows(store: &hod_server::store::DynStore) -> Vec<NotificationRow> {
    let mut rows = store
        .notifications(NotificationFilter::All, 1000)
        .await
        .unwrap();
    rows.reverse();
    rows
}
