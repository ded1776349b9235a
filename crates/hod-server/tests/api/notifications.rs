//! Issue 6: e-mail and text per Preferred Contact Method (CP-1), to the MLMS address only
//! (CP-3), with reminders, from an outbox written with each offer — over real SMTP and HTTP
//! on loopback, on both backends.

use crate::notify_support::{
    configure, eventually, rows, SmsProvider, SmtpSink, MAIL_FROM, SMS_ACCOUNT, SMS_FROM, SMS_TOKEN,
};
use crate::routing_support::{
    TestAgent, CONSUMER_EMAIL, CONSUMER_NAME, CONSUMER_NOTES, CONSUMER_PHONE,
};
use crate::support::{Backend, TestDb, TestServer};
use base64::Engine as _;
use chrono::Duration;
use hod_domain::contact_preference::Channel;
use hod_server::notify::{DeliveryState, MessageKind, NotificationRow};
use serde_json::json;

crate::on_both_backends!(
    rule_cp_1_each_contact_method_gets_exactly_its_channels,
    rule_cp_3_email_goes_to_the_mlms_address_in_the_agents_language_without_contact_details,
    sms_is_a_twilio_form_post_with_basic_auth_in_one_segment,
    sms_failures_are_retried_with_backoff_and_delivered_exactly_once,
    rule_mr_1_a_hanging_sms_provider_never_delays_offers_accepts_or_expiries,
    a_restart_delivers_queued_messages_exactly_once,
    rule_mr_1_reminders_go_on_text_and_app_and_stale_messages_are_skipped,
    operators_can_turn_reminders_off,
    an_unreachable_smtp_server_dead_letters_after_the_limit_with_the_last_error,
);

async fn set_method(server: &TestServer, agent: &TestAgent, method: &str) {
    let (status, body) = server
        .send_as(
            agent,
            "PATCH",
            "/v1/profile",
            Some(json!({ "preferred_contact_method": method })),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

fn summary(rows: &[NotificationRow], agent: i64) -> Vec<(Channel, MessageKind)> {
    rows.iter()
        .filter(|r| r.agent.0 == agent)
        .map(|r| (r.channel, r.kind))
        .collect()
}

async fn id_by_npn(server: &TestServer, npn: &str) -> i64 {
    server.store.agent_by_npn(npn).await.unwrap().unwrap().id.0
}

/// Waits until no row is queued-and-due or being sent.
async fn settled(server: &TestServer) -> Vec<NotificationRow> {
    let now = server.now();
    eventually("the outbox to settle", async || {
        let rows = rows(&server.store).await;
        let busy = rows.iter().any(|r| {
            r.state == DeliveryState::Sending
                || (r.state == DeliveryState::Queued && r.next_attempt_at <= now)
        });
        (!busy).then_some(rows)
    })
    .await
}

fn assert_no_contact_details(text: &str) {
    for secret in [
        CONSUMER_NAME,
        CONSUMER_PHONE,
        CONSUMER_EMAIL,
        CONSUMER_NOTES,
        "Rosa",
        "5550199",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into: {text}");
    }
}

async fn rule_cp_1_each_contact_method_gets_exactly_its_channels(backend: Backend) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    let server = TestServer::start_with(backend, |s| configure(s, smtp.port, &sms.base)).await;
    let methods = [
        ("email_text_app", "TX"),
        ("email_text", "FL"),
        ("email_app", "OH"),
        ("email_only", "AZ"),
    ];
    let mut agents = Vec::new();
    for (i, (method, state)) in methods.iter().enumerate() {
        let agent = server
            .agent(&format!("cp{i}"), &format!("900{i}"), &["en"], &[state])
            .await;
        set_method(&server, &agent, method).await;
        agents.push(agent);
    }
    for (_, state) in methods {
        server.intake(state, "en").await;
    }
    let rows = settled(&server).await;
    use Channel::{App, Email, Text};
    use MessageKind::{Offer, Reminder};
    let expected = [
        vec![
            (Email, Offer),
            (Text, Offer),
            (Text, Reminder),
            (App, Reminder),
        ],
        vec![(Email, Offer), (Text, Offer), (Text, Reminder)],
        vec![(Email, Offer), (App, Reminder)],
        vec![(Email, Offer)],
    ];
    for (agent, expected) in agents.iter().zip(expected) {
        let id = id_by_npn(&server, &agent.npn).await;
        let mut got = summary(&rows, id);
        got.sort_by_key(|(c, k)| (*k as u8, *c as u8));
        let mut expected = expected;
        expected.sort_by_key(|(c, k)| (*k as u8, *c as u8));
        assert_eq!(got, expected, "agent {}", agent.npn);
    }
    // Exactly one e-mail per agent, to each agent's MLMS address; texts for the two
    // methods with text.
    let mails = smtp.messages();
    let mut to: Vec<String> = mails
        .iter()
        .map(|(_, m)| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "cp0@example.com",
            "cp1@example.com",
            "cp2@example.com",
            "cp3@example.com"
        ]
    );
    assert_eq!(sms.accepted().len(), 2, "{:?}", sms.requests());
    server.stop().await;
}

async fn rule_cp_3_email_goes_to_the_mlms_address_in_the_agents_language_without_contact_details(
    backend: Backend,
) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    let server = TestServer::start_with(backend, |s| configure(s, smtp.port, &sms.base)).await;
    server.agent("ana", "1001", &["en"], &["TX"]).await;
    server.agent("beto", "1002", &["es", "en"], &["FL"]).await;
    let english = server.intake("TX", "es").await["id"].as_i64().unwrap();
    let spanish = server.intake("FL", "en").await["id"].as_i64().unwrap();
    settled(&server).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2);
    let find = |to: &str| {
        mails
            .iter()
            .find(|(_, m)| m["rcpt_tos"][0] == to)
            .unwrap_or_else(|| panic!("no mail to {to}"))
            .clone()
    };
    for (to, id, subject, language_line, lang) in [
        (
            "ana@example.com",
            english,
            "You have a new referral",
            "Language: Spanish",
            "en",
        ),
        (
            "beto@example.com",
            spanish,
            "Tiene una nueva referencia",
            "Idioma: inglés",
            "es",
        ),
    ] {
        let (raw, mail) = find(to);
        assert_eq!(mail["headers"]["Subject"], subject);
        assert_eq!(mail["headers"]["To"], to, "CP-3: only the MLMS address");
        assert_eq!(mail["mail_from"], MAIL_FROM);
        assert_eq!(mail["headers"]["Content-Language"], lang);
        assert_eq!(mail["content_type"], "multipart/alternative");
        let parts = mail["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert_eq!(parts[0]["content_type"], "text/plain");
        assert_eq!(parts[1]["content_type"], "text/html");
        let text = parts[0]["body"].as_str().unwrap();
        let html = parts[1]["body"].as_str().unwrap();
        let link = format!("hod://referral/{id}");
        assert!(text.contains(&link), "{text}");
        assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
        assert!(text.contains(language_line), "{text}");
        assert!(
            text.contains("Springfield") && text.contains("78701"),
            "{text}"
        );
        // 15:15 UTC is 10:15 in the default zone (New York).
        assert!(
            text.contains("15:15 UTC") && text.contains("10:15"),
            "{text}"
        );
        assert_no_contact_details(&raw);
        assert_no_contact_details(text);
        assert_no_contact_details(html);
    }
    server.stop().await;
}

async fn sms_is_a_twilio_form_post_with_basic_auth_in_one_segment(backend: Backend) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    let server = TestServer::start_with(backend, |s| configure(s, smtp.port, &sms.base)).await;
    server.agent("carla", "1003", &["es"], &["TX"]).await;
    server.intake("TX", "es").await;
    settled(&server).await;
    let requests = sms.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{SMS_ACCOUNT}/Messages.json")
    );
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{SMS_ACCOUNT}:{SMS_TOKEN}"));
    assert_eq!(
        request.authorization.as_deref(),
        Some(&*format!("Basic {expected}"))
    );
    let mut names: Vec<&str> = request.form.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Body", "From", "To"]);
    assert_eq!(
        request.field("To"),
        "+15552010123",
        "the agent's mobile number"
    );
    assert_eq!(request.field("From"), SMS_FROM);
    let body = request.field("Body");
    assert!(body.chars().count() <= 160, "{body}");
    assert!(
        body.contains("nueva referencia en Springfield, TX 78701 (español)"),
        "{body}"
    );
    assert!(body.contains("10:15 EST"), "{body}");
    assert_no_contact_details(body);
    server.stop().await;
}

async fn sms_failures_are_retried_with_backoff_and_delivered_exactly_once(backend: Backend) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    sms.fail_next(3);
    let server = TestServer::start_with(backend, |s| {
        configure(s, smtp.port, &sms.base);
        s.notifications.reminder_before = None;
    })
    .await;
    server.agent("dora", "1004", &["en"], &["TX"]).await;
    server.intake("TX", "en").await;
    for attempt in 1..=3 {
        // The failed attempt is settled as a retry, then the (manual) clock reaches it.
        let row = eventually("a failed attempt to be scheduled again", async || {
            rows(&server.store).await.into_iter().find(|r| {
                r.channel == Channel::Text
                    && r.attempts == attempt
                    && r.state == DeliveryState::Queued
            })
        })
        .await;
        assert_eq!(row.last_error.as_deref(), Some("sms provider answered 503"));
        let wait = row.next_attempt_at - server.now();
        assert!(
            wait > Duration::zero() && wait <= Duration::seconds(10),
            "{wait}"
        );
        server.clock.set(row.next_attempt_at);
    }
    let rows = settled(&server).await;
    let text = rows.iter().find(|r| r.channel == Channel::Text).unwrap();
    assert_eq!(text.state, DeliveryState::Delivered);
    assert_eq!(text.attempts, 4);
    assert_eq!(sms.requests().len(), 4);
    assert_eq!(sms.accepted().len(), 1, "exactly one message delivered");
    let metrics = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "hod_notifications_sent_total{channel=\"text\"} 1",
        "hod_notifications_failed_total{channel=\"text\"} 3",
        "hod_notifications_retried_total{channel=\"text\"} 3",
        "hod_notifications_dead_lettered_total{channel=\"text\"} 0",
        "hod_notifications_sent_total{channel=\"email\"} 1",
        "hod_notification_handover_seconds_count{channel=\"text\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
    assert_no_contact_details(&metrics);
    server.stop().await;
}

async fn rule_mr_1_a_hanging_sms_provider_never_delays_offers_accepts_or_expiries(
    backend: Backend,
) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    sms.hang(true);
    let server = TestServer::start_with(backend, |s| {
        configure(s, smtp.port, &sms.base);
        s.notifications.send_timeout = std::time::Duration::from_secs(60);
    })
    .await;
    let eva = server.agent("eva", "1005", &["en"], &["TX"]).await;
    let fede = server.agent("fede", "1006", &["en"], &["FL"]).await;
    let first = server.intake("TX", "en").await["id"].as_i64().unwrap();
    eventually("the provider to be hanging on a text", async || {
        (!sms.requests().is_empty()).then_some(())
    })
    .await;
    // Offer, accept and expiry while the provider holds a request open.
    assert_eq!(server.intake_state(first).await, "offered");
    let (status, body) = server.accept(&eva, first).await;
    assert_eq!(status, 200, "{body}");
    let second = server.intake("FL", "en").await["id"].as_i64().unwrap();
    assert_eq!(server.pending_of(&fede).await, vec![second]);
    server.clock.advance(Duration::minutes(15));
    // The timer loop may get there first (it wakes when the clock moves): either way the
    // offer is missed once this pass returns.
    server.tick().await;
    let fedes = server.referrals_of(&fede).await;
    assert_eq!(
        fedes[0]["outcome"], "missed",
        "MR-2: the offer expires on time"
    );
    // All of it done while the first text's hand-over is still open: nothing waited for it
    // (that would have taken the minute of `send_timeout`).
    let first_text = rows(&server.store)
        .await
        .into_iter()
        .find(|r| r.channel == Channel::Text)
        .expect("a text row");
    assert_eq!(first_text.state, DeliveryState::Sending, "{first_text:?}");
    assert_eq!(first_text.last_error, None, "{first_text:?}");
    assert!(sms.accepted().is_empty());
    // The provider answers at last (503), so the sender has nothing in flight at stop.
    sms.hang(false);
    server.stop().await;
}

async fn a_restart_delivers_queued_messages_exactly_once(backend: Backend) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    let db = TestDb::new(backend).await;
    // First run: the provider refuses and the SMTP port is closed: everything stays queued.
    sms.fail_next(usize::MAX);
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let server = TestServer::start_on(db, |s| {
        configure(s, closed_port, &sms.base);
        s.notifications.reminder_before = None;
    })
    .await;
    server.agent("gil", "1007", &["en"], &["TX"]).await;
    server.agent("hana", "1008", &["en"], &["FL"]).await;
    server.intake("TX", "en").await;
    server.intake("FL", "en").await;
    eventually("every first attempt to fail", async || {
        let rows = rows(&server.store).await;
        (rows.len() == 4
            && rows
                .iter()
                .all(|r| r.state == DeliveryState::Queued && r.attempts == 1))
        .then_some(())
    })
    .await;
    let clock = server.clock.clone();
    let db = server.stop_keeping_db().await;

    // Second run, providers working, after the retry time.
    sms.fail_next(0);
    clock.advance(Duration::seconds(30));
    let server = TestServer::start_on_with_clock(
        db,
        |s| {
            configure(s, smtp.port, &sms.base);
            s.notifications.reminder_before = None;
        },
        clock.clone(),
    )
    .await;
    let rows = eventually("the queued messages to be delivered", async || {
        let rows = rows(&server.store).await;
        rows.iter()
            .all(|r| r.state == DeliveryState::Delivered)
            .then_some(rows)
    })
    .await;
    assert_eq!(rows.len(), 4);
    assert_eq!(smtp.messages().len(), 2);
    assert_eq!(sms.accepted().len(), 2);
    let db = server.stop_keeping_db().await;

    // Third run: nothing delivered is sent again.
    clock.advance(Duration::minutes(5));
    let server =
        TestServer::start_on_with_clock(db, |s| configure(s, smtp.port, &sms.base), clock.clone())
            .await;
    server.state.sender.run_once().await.unwrap();
    settled(&server).await;
    assert_eq!(smtp.messages().len(), 2, "no e-mail sent twice");
    assert_eq!(sms.accepted().len(), 2, "no text sent twice");
    server.stop().await;
}

async fn rule_mr_1_reminders_go_on_text_and_app_and_stale_messages_are_skipped(backend: Backend) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    let server = TestServer::start_with(backend, |s| configure(s, smtp.port, &sms.base)).await;
    let ines = server.agent("ines", "1009", &["en"], &["TX"]).await;
    let juan = server.agent("juan", "1010", &["en"], &["FL"]).await;
    let kept = server.intake("TX", "en").await["id"].as_i64().unwrap();
    let answered = server.intake("FL", "en").await["id"].as_i64().unwrap();
    settled(&server).await;
    assert_eq!(sms.accepted().len(), 2, "two new-referral texts");
    // Juan accepts at once: his reminders are stale by the time they are due.
    let (status, _) = server.accept(&juan, answered).await;
    assert_eq!(status, 200);
    // Listen on Ines's WebSocket for the app reminder.
    let url = server.url("/v1/events?after=0").replace("http://", "ws://");
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", ines.token).parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    // The replay of her feed shows the server is listening: it subscribes the socket to
    // reminders before it replays, and a reminder sent before that reaches nobody.
    crate::events::next_of(&mut socket, "change").await;
    // 10 minutes in: 5 minutes left (the default reminder time).
    server.clock.advance(Duration::minutes(10));
    let rows = eventually("the reminders to be settled", async || {
        let rows = rows(&server.store).await;
        rows.iter()
            .filter(|r| r.kind == MessageKind::Reminder)
            .all(|r| matches!(r.state, DeliveryState::Delivered | DeliveryState::Skipped))
            .then_some(rows)
    })
    .await;
    let ines_id = id_by_npn(&server, &ines.npn).await;
    for r in rows.iter().filter(|r| r.kind == MessageKind::Reminder) {
        let expected = if r.agent.0 == ines_id {
            DeliveryState::Delivered
        } else {
            DeliveryState::Skipped
        };
        assert_eq!(r.state, expected, "{r:?}");
    }
    let texts = sms.accepted();
    assert_eq!(
        texts.len(),
        3,
        "one reminder text, for the pending offer only"
    );
    let reminder = texts[2].field("Body");
    assert!(
        reminder.contains("reminder") && reminder.contains("still pending"),
        "{reminder}"
    );
    assert!(reminder.chars().count() <= 160);
    // The app reminder, a message kind of its own on the WebSocket.
    use futures_util::StreamExt;
    let found = eventually("the app reminder on the WebSocket", async || {
        let message =
            tokio::time::timeout(std::time::Duration::from_millis(200), socket.next()).await;
        match message {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text)))) => {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                (value["kind"] == "offer_reminder").then_some(value)
            }
            _ => None,
        }
    })
    .await;
    assert_eq!(found["referral_id"], kept);
    server.stop().await;
}

async fn operators_can_turn_reminders_off(backend: Backend) {
    let smtp = SmtpSink::start();
    let sms = SmsProvider::start().await;
    let server = TestServer::start_with(backend, |s| {
        configure(s, smtp.port, &sms.base);
        s.notifications.reminder_before = None;
    })
    .await;
    server.agent("kim", "1011", &["en"], &["TX"]).await;
    server.intake("TX", "en").await;
    let rows = settled(&server).await;
    assert!(
        rows.iter().all(|r| r.kind == MessageKind::Offer),
        "{rows:?}"
    );
    assert_eq!(rows.len(), 2);
    server.stop().await;
}

async fn an_unreachable_smtp_server_dead_letters_after_the_limit_with_the_last_error(
    backend: Backend,
) {
    let sms = SmsProvider::start().await;
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let server = TestServer::start_with(backend, |s| {
        configure(s, closed_port, &sms.base);
        s.notifications.max_attempts = 2;
        s.notifications.reminder_before = None;
    })
    .await;
    server.agent("lia", "1012", &["en"], &["TX"]).await;
    server.intake("TX", "en").await;
    let row = eventually("the first failure", async || {
        rows(&server.store).await.into_iter().find(|r| {
            r.channel == Channel::Email && r.state == DeliveryState::Queued && r.attempts == 1
        })
    })
    .await;
    server.clock.set(row.next_attempt_at);
    let dead = eventually("the dead letter", async || {
        rows(&server.store)
            .await
            .into_iter()
            .find(|r| r.channel == Channel::Email && r.state == DeliveryState::Dead)
    })
    .await;
    assert_eq!(dead.attempts, 2);
    assert_eq!(dead.last_error.as_deref(), Some("smtp connection error"));
    // The operator's view: `notifications list --failed`.
    let failed = server
        .store
        .notifications(hod_server::notify::NotificationFilter::Failed, 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    let table = hod_server::cli::notification_table(&failed);
    assert!(
        table.contains("dead") && table.contains("smtp connection error"),
        "{table}"
    );
    assert!(!table.contains("lia@example.com") && !table.contains("5552010123"));
    assert_no_contact_details(&table);
    server.stop().await;
}
