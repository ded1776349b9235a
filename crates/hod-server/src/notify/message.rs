//! The words of the messages, in the agent's language (English or Spanish).
//!
//! Only what an agent may see before accepting goes in (decision 0203): the state, city,
//! zip and language of the referral and the deadline — never the consumer's name, phone or
//! e-mail, which these functions are never given. A text fits one SMS segment: at most 160
//! GSM-7 characters; the city is shortened when it would not fit.

use super::outbox::{ClaimedMessage, MessageKind};
use chrono::{DateTime, Utc};
use hod_domain::availability::AgentTimeZone;
use hod_domain::language::Language;

/// One SMS segment in the GSM 03.38 alphabet.
pub const SMS_SEGMENT_SEPTETS: usize = 160;

/// The languages messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageLanguage {
    English,
    Spanish,
}

impl MessageLanguage {
    /// The agent's language: the first of the agent's languages that messages are written
    /// in (agents list their main language first), English otherwise.
    pub fn for_agent(languages: &[Language]) -> Self {
        languages
            .iter()
            .find_map(|l| match l.code() {
                "en" => Some(Self::English),
                "es" => Some(Self::Spanish),
                _ => None,
            })
            .unwrap_or(Self::English)
    }

    /// The `Content-Language` of an e-mail.
    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Spanish => "es",
        }
    }
}

/// The link that opens the desktop app on the offer.
pub fn app_link(message: &ClaimedMessage) -> String {
    hod_domain::wire::v1::referral_app_link(message.referral)
}

/// An e-mail: subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailContent {
    pub language: MessageLanguage,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The consumer's language, named in the agent's language.
fn language_name(language: &Language, ui: MessageLanguage) -> String {
    match (language.code(), ui) {
        ("en", MessageLanguage::English) => "English".into(),
        ("es", MessageLanguage::English) => "Spanish".into(),
        ("en", MessageLanguage::Spanish) => "inglés".into(),
        ("es", MessageLanguage::Spanish) => "español".into(),
        (code, _) => code.to_ascii_uppercase(),
    }
}

/// The deadline as a wall time in the agent's zone, with the zone's abbreviation.
pub fn local_time(at: DateTime<Utc>, zone: AgentTimeZone, ui: MessageLanguage) -> String {
    let local = at.with_timezone(&zone.tz());
    match ui {
        MessageLanguage::English => local.format("%-I:%M %p %Z").to_string(),
        MessageLanguage::Spanish => local.format("%H:%M %Z").to_string(),
    }
}

fn local_date(at: DateTime<Utc>, zone: AgentTimeZone, ui: MessageLanguage) -> String {
    let local = at.with_timezone(&zone.tz());
    match ui {
        MessageLanguage::English => local.format("%A, %B %-d, %Y").to_string(),
        MessageLanguage::Spanish => {
            const DAYS: [&str; 7] = [
                "lunes",
                "martes",
                "miércoles",
                "jueves",
                "viernes",
                "sábado",
                "domingo",
            ];
            const MONTHS: [&str; 12] = [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ];
            use chrono::Datelike;
            let day = DAYS[local.weekday().num_days_from_monday() as usize];
            let month = MONTHS[local.month0() as usize];
            format!("{day}, {} de {month} de {}", local.day(), local.year())
        }
    }
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The new-referral e-mail (e-mail carries no reminders).
pub fn email(message: &ClaimedMessage, zone: AgentTimeZone) -> EmailContent {
    let ui = MessageLanguage::for_agent(&message.agent_languages);
    let link = app_link(message);
    let time = local_time(message.deadline, zone, ui);
    let date = local_date(message.deadline, zone, ui);
    let utc = message.deadline.format("%H:%M UTC");
    let language = language_name(&message.language, ui);
    let state = message.state.code();
    let (subject, intro, labels, deadline_label, open, footer) = match ui {
        MessageLanguage::English => (
            "You have a new referral",
            "A consumer near you asked Help On Demand for help. Accept or reject the \
             referral in the app before the deadline, or it goes to the next agent.",
            ["State", "City", "ZIP code", "Language"],
            "Accept or reject by",
            "Open the referral in the Help On Demand app",
            "The consumer's contact details are shown in the app once you accept.",
        ),
        MessageLanguage::Spanish => (
            "Tiene una nueva referencia",
            "Un consumidor cerca de usted pidió ayuda a Help On Demand. Acepte o rechace la \
             referencia en la aplicación antes del plazo, o pasará al siguiente agente.",
            ["Estado", "Ciudad", "Código postal", "Idioma"],
            "Acepte o rechace antes de",
            "Abrir la referencia en la aplicación Help On Demand",
            "Los datos de contacto del consumidor aparecen en la aplicación cuando acepta.",
        ),
    };
    let values = [
        state.to_owned(),
        message.city.clone(),
        message.zip.clone(),
        language,
    ];
    let deadline = format!("{time} ({utc}), {date}");
    let mut text = format!("{subject}\n\n{intro}\n\n");
    for (label, value) in labels.iter().zip(&values) {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str(&format!(
        "{deadline_label}: {deadline}\n\n{open}: {link}\n\n{footer}\n"
    ));
    let mut rows = String::new();
    for (label, value) in labels.iter().zip(&values) {
        rows.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>\n",
            html_escape(label),
            html_escape(value)
        ));
    }
    rows.push_str(&format!(
        "<tr><th align=\"left\">{}</th><td>{}</td></tr>\n",
        html_escape(deadline_label),
        html_escape(&deadline)
    ));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\">\
         <title>{subject}</title></head>\n<body>\n<h1>{subject}</h1>\n<p>{intro}</p>\n\
         <table>\n{rows}</table>\n<p><a href=\"{link}\">{open}</a></p>\n<p>{footer}</p>\n\
         </body>\n</html>\n",
        lang = ui.code(),
        subject = html_escape(subject),
        intro = html_escape(intro),
        open = html_escape(open),
        footer = html_escape(footer),
    );
    EmailContent {
        language: ui,
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// A text: the new referral, or the reminder that it is still pending.
pub fn text(message: &ClaimedMessage, zone: AgentTimeZone) -> String {
    let ui = MessageLanguage::for_agent(&message.agent_languages);
    let time = local_time(message.deadline, zone, ui);
    let language = language_name(&message.language, ui);
    let state = message.state.code();
    let zip = &message.zip;
    let body = |city: &str| match (message.kind, ui) {
        (MessageKind::Offer, MessageLanguage::English) => format!(
            "Help On Demand: new referral in {city}, {state} {zip} ({language}). \
             Accept or reject in the app by {time}."
        ),
        (MessageKind::Offer, MessageLanguage::Spanish) => format!(
            "Help On Demand: nueva referencia en {city}, {state} {zip} ({language}). \
             Acepte o rechace en la aplicación antes de las {time}."
        ),
        (MessageKind::Reminder, MessageLanguage::English) => format!(
            "Help On Demand reminder: your referral in {city}, {state} {zip} ({language}) \
             is still pending. Accept or reject by {time}."
        ),
        (MessageKind::Reminder, MessageLanguage::Spanish) => format!(
            "Help On Demand recordatorio: su referencia en {city}, {state} {zip} \
             ({language}) sigue pendiente. Acepte o rechace antes de las {time}."
        ),
    };
    fit_one_segment(&to_gsm7(&message.city), body)
}

/// The body with `city`, shortened (ending in ".") until it fits one segment.
fn fit_one_segment(city: &str, body: impl Fn(&str) -> String) -> String {
    let full = to_gsm7(&body(city));
    if gsm7_septets(&full) <= SMS_SEGMENT_SEPTETS {
        return full;
    }
    let chars: Vec<char> = city.chars().collect();
    for keep in (0..chars.len()).rev() {
        let short: String = chars[..keep]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_owned()
            + ".";
        let candidate = to_gsm7(&body(&short));
        if gsm7_septets(&candidate) <= SMS_SEGMENT_SEPTETS {
            return candidate;
        }
    }
    // Nothing of the city fits: the fixed words alone are cut (never happens with the
    // texts above; kept so the limit holds whatever they become).
    to_gsm7(&body(""))
        .chars()
        .take(SMS_SEGMENT_SEPTETS)
        .collect()
}

/// The GSM 03.38 basic character set (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table (two septets each: escape + character).
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// Septets `text` takes in GSM-7, or `usize::MAX` if a character is outside it.
pub fn gsm7_septets(text: &str) -> usize {
    text.chars()
        .try_fold(0usize, |n, c| {
            if GSM7_BASIC.contains(c) {
                Some(n + 1)
            } else if GSM7_EXTENDED.contains(c) {
                Some(n + 2)
            } else {
                None
            }
        })
        .unwrap_or(usize::MAX)
}

/// `text` in the GSM-7 alphabet: accented letters outside it lose their accent (Río → Rio,
/// aplicación → aplicacion), anything else unknown becomes "?", so a text never switches to
/// UCS-2 (70 characters a segment).
pub fn to_gsm7(text: &str) -> String {
    text.chars()
        .map(|c| {
            if GSM7_BASIC.contains(c) || GSM7_EXTENDED.contains(c) {
                return c;
            }
            match c {
                'á' | 'â' | 'ã' => 'a',
                'Á' | 'À' | 'Â' | 'Ã' => 'A',
                'ê' | 'ë' => 'e',
                'È' | 'Ê' | 'Ë' => 'E',
                'í' | 'î' | 'ï' => 'i',
                'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
                'ó' | 'ô' | 'õ' => 'o',
                'Ó' | 'Ò' | 'Ô' | 'Õ' => 'O',
                'ú' | 'û' => 'u',
                'Ú' | 'Ù' | 'Û' => 'U',
                'ç' => 'c',
                'ý' | 'ÿ' => 'y',
                '’' | '‘' => '\'',
                '“' | '”' => '"',
                '–' | '—' => '-',
                '\t' => ' ',
                _ => '?',
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AgentId;
    use chrono::TimeZone;
    use hod_domain::contact_preference::Channel;
    use hod_domain::eligibility::StateCode;
    use hod_domain::wire::v1::ReferralId;

    fn message(kind: MessageKind, agent: &str, city: &str, language: &str) -> ClaimedMessage {
        ClaimedMessage {
            id: 1,
            attempt: 1,
            channel: Channel::Text,
            kind,
            offer_id: 7,
            referral: ReferralId(4242),
            agent: AgentId(3),
            offered_at: Utc
                .with_ymd_and_hms(2026, 1, 5, 15, 0, 0)
                .single()
                .expect("t"),
            deadline: Utc
                .with_ymd_and_hms(2026, 1, 5, 15, 15, 0)
                .single()
                .expect("t"),
            email: "agent@example.com".into(),
            mobile_phone: "555-201-0123".into(),
            agent_languages: vec![agent.parse().expect("lang")],
            agent_time_zone: None,
            state: StateCode::parse("state", "TX").expect("TX"),
            city: city.into(),
            zip: "78701".into(),
            language: language.parse().expect("lang"),
        }
    }

    fn zone(name: &str) -> AgentTimeZone {
        AgentTimeZone::parse("zone", name).expect("zone")
    }

    #[test]
    fn texts_fit_one_gsm7_segment_in_both_languages_with_worst_case_cities() {
        let cities = [
            "Austin",
            "Truth or Consequences",
            "Rancho Santa Margarita",
            "Río Grande de Loíza y Canóvanas, Ciudad de las Aguas Termales del Sur",
            "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch-on-the-Rio-Grande",
        ];
        for kind in [MessageKind::Offer, MessageKind::Reminder] {
            for agent in ["en", "es"] {
                for city in cities {
                    for zone_name in ["America/Chicago", "America/Argentina/Buenos_Aires"] {
                        let text = text(&message(kind, agent, city, "es"), zone(zone_name));
                        let septets = gsm7_septets(&text);
                        assert!(septets <= SMS_SEGMENT_SEPTETS, "{septets} septets: {text}");
                        assert!(text.contains("TX 78701"), "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_city_is_shortened_and_a_short_one_kept() {
        let short = text(
            &message(MessageKind::Offer, "es", "Río Grande", "es"),
            zone("America/Chicago"),
        );
        assert!(short.contains("Rio Grande, TX"), "{short}");
        assert!(short.contains("nueva referencia"), "{short}");
        assert!(short.contains("09:15 CST"), "{short}");
        let long_city = "Rancho Santa Margarita de las Montañas y los Valles del Norte Grande";
        let long = text(
            &message(MessageKind::Offer, "en", long_city, "en"),
            zone("America/Chicago"),
        );
        assert!(long.contains("Rancho Santa"), "{long}");
        assert!(!long.contains(long_city), "{long}");
        assert!(long.contains("9:15 AM CST"), "{long}");
    }

    #[test]
    fn emails_are_in_the_agents_language_with_the_app_link() {
        let en = email(
            &message(MessageKind::Offer, "en", "Austin", "es"),
            zone("America/Chicago"),
        );
        assert_eq!(en.subject, "You have a new referral");
        assert!(en.text.contains("Language: Spanish"), "{}", en.text);
        assert!(en.text.contains("hod://referral/4242"));
        assert!(en.html.contains("href=\"hod://referral/4242\""));
        assert!(en.text.contains("9:15 AM CST (15:15 UTC)"), "{}", en.text);
        let es = email(
            &message(MessageKind::Offer, "es", "A<b>&c", "en"),
            zone("America/Chicago"),
        );
        assert_eq!(es.subject, "Tiene una nueva referencia");
        assert!(es.text.contains("Idioma: inglés"), "{}", es.text);
        assert!(es.html.contains("A&lt;b&gt;&amp;c"), "{}", es.html);
        assert!(es.text.contains("lunes, 5 de enero de 2026"), "{}", es.text);
    }

    #[test]
    fn the_agents_first_message_language_wins() {
        let es: Language = "es".parse().expect("es");
        let en: Language = "en".parse().expect("en");
        let fr: Language = "fr".parse().expect("fr");
        assert_eq!(
            MessageLanguage::for_agent(&[fr.clone(), es.clone(), en.clone()]),
            MessageLanguage::Spanish
        );
        assert_eq!(
            MessageLanguage::for_agent(&[en, es]),
            MessageLanguage::English
        );
        assert_eq!(MessageLanguage::for_agent(&[fr]), MessageLanguage::English);
    }
}
