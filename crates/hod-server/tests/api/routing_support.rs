//! Helpers for the routing stories: agents with licenses, consumers through intake, and the
//! agent API, all over real HTTP.

use crate::support::{TestServer, ADMIN_KEY, INTAKE_KEY, PASSWORD};
use chrono::{DateTime, NaiveDate, Utc};
use hod_server::store::{NewLicense, NewReferral};
use serde_json::{json, Value};

/// The consumer's personal data every intake below uses; none of it may leak before accept.
pub const CONSUMER_NAME: &str = "Rosa Delgado";
pub const CONSUMER_PHONE: &str = "5125550199";
pub const CONSUMER_EMAIL: &str = "rosa.delgado@example.org";
pub const CONSUMER_NOTES: &str = "Call after 5pm about her daughter";

/// An agent the tests drive.
#[derive(Debug, Clone)]
pub struct TestAgent {
    pub npn: String,
    pub token: String,
}

impl TestServer {
    /// Provisions an agent speaking `languages`, licensed (health line, active) in `states`,
    /// logs them in.
    pub async fn agent(
        &self,
        username: &str,
        npn: &str,
        languages: &[&str],
        states: &[&str],
    ) -> TestAgent {
        let response = self
            .http
            .post(self.url("/v1/admin/agents"))
            .header("x-api-key", ADMIN_KEY)
            .json(&json!({
                "npn": npn,
                "name": format!("Agent {username}"),
                "username": username,
                "mlms_email": format!("{username}@example.com"),
                "mobile_phone": "555-201-0123",
                "languages": languages,
                "password": PASSWORD,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "provisioning {username}");
        self.license(npn, states).await;
        let token = self.token(username).await;
        TestAgent {
            npn: npn.to_owned(),
            token,
        }
    }

    pub async fn license(&self, npn: &str, states: &[&str]) {
        let rows: Vec<NewLicense> = states
            .iter()
            .map(|state| NewLicense {
                npn: npn.to_owned(),
                state: (*state).to_owned(),
                line_of_authority: "Accident & Health".to_owned(),
                status: "active".to_owned(),
                effective: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                expires: None,
            })
            .collect();
        self.store.import_licenses(&rows, self.now()).await.unwrap();
    }

    pub fn now(&self) -> DateTime<Utc> {
        use hod_server::clock::Clock;
        self.clock.now()
    }

    /// Submits a consumer's request; returns the receipt.
    pub async fn intake(&self, state: &str, language: &str) -> Value {
        self.intake_with_key(state, language, None).await.1
    }

    pub async fn intake_with_key(
        &self,
        state: &str,
        language: &str,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(self.url("/v1/intake/referrals"))
            .header("x-api-key", INTAKE_KEY)
            .json(&json!({
                "consumer_name": CONSUMER_NAME,
                "phone": CONSUMER_PHONE,
                "email": CONSUMER_EMAIL,
                "state": state,
                "city": "Springfield",
                "zip": "78701",
                "preferred_language": language,
                "notes": CONSUMER_NOTES,
            }));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// The intake's view of a referral: `waiting`, `offered`, `accepted`, `unassigned`, …
    pub async fn intake_state(&self, id: i64) -> String {
        let response = self
            .http
            .get(self.url(&format!("/v1/intake/referrals/{id}")))
            .header("x-api-key", INTAKE_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["state"].as_str().unwrap().to_owned()
    }

    pub async fn get_as(&self, agent: &TestAgent, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(&agent.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn send_as(
        &self,
        agent: &TestAgent,
        method: &str,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), self.url(path))
            .bearer_auth(&agent.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The agent's referral list (raw JSON rows).
    pub async fn referrals_of(&self, agent: &TestAgent) -> Vec<Value> {
        let (status, body) = self.get_as(agent, "/v1/referrals").await;
        assert_eq!(status, 200, "{body}");
        body["referrals"].as_array().unwrap().clone()
    }

    /// Ids of the agent's pending offers.
    pub async fn pending_of(&self, agent: &TestAgent) -> Vec<i64> {
        self.referrals_of(agent)
            .await
            .iter()
            .filter(|r| r["status"] == "pending" && r["outcome"].is_null())
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    }

    pub async fn accept(&self, agent: &TestAgent, id: i64) -> (u16, Value) {
        self.send_as(
            agent,
            "POST",
            &format!("/v1/referrals/{id}/accept"),
            None,
            None,
        )
        .await
    }

    pub async fn reject(&self, agent: &TestAgent, id: i64) -> (u16, Value) {
        self.send_as(
            agent,
            "POST",
            &format!("/v1/referrals/{id}/reject"),
            Some(json!({"reason": "with another client"})),
            None,
        )
        .await
    }
}

/// Fails when any of the consumer's personal data appears in `text`.
pub fn assert_no_contact(text: &str) {
    for personal in [
        CONSUMER_NAME,
        CONSUMER_PHONE,
        CONSUMER_EMAIL,
        CONSUMER_NOTES,
        "Rosa",
        "0199",
    ] {
        assert!(!text.contains(personal), "{personal:?} leaked into {text}");
    }
}

/// A consumer in Austin, Texas, speaking English, shopping for the plan year of `received`,
/// written straight to the store (no intake, so no routing pass).
pub fn texas_referral(consumer_name: String, received: DateTime<Utc>) -> NewReferral {
    use hod_domain::eligibility::{PlanYear, StateCode};
    NewReferral {
        consumer_name,
        phone: "5125550100".to_owned(),
        email: None,
        notes: None,
        state: StateCode::TX,
        city: "Austin".to_owned(),
        zip: "78701".to_owned(),
        language: "en".parse().expect("a language code"),
        plan_year: PlanYear::shopped_on(received.date_naive()).year(),
        received_at: received,
        max_wait_until: received + chrono::Duration::hours(24),
        intake_key: None,
    }
}
