//! Customer conversations and the support assistant's reply drafts (`support_reply`, registered from
//! `kinds/support_reply.json`): a fixed handful, one per situation a reviewer meets most.

use chrono::{DateTime, TimeDelta, Utc};
use countersign_domain::{AiProposal, NewItem, Risk};
use serde_json::{Value, json};

use crate::{evidence, signal, timestamp};

const MODEL: &str = "support-assist-4";

/// One message of the conversation, `minutes_ago` before the item is made.
struct Message {
    author: &'static str,
    text: &'static str,
    minutes_ago: i64,
}

struct Case {
    id: &'static str,
    title: &'static str,
    customer: Value,
    channel: &'static str,
    subject: &'static str,
    messages: &'static [Message],
    order: Option<Value>,
    reply: &'static str,
    tone: &'static str,
    intent: &'static str,
    reasoning: &'static str,
    confidence: f64,
    risk: Risk,
    priority: i64,
    /// `(label, text, source)`.
    evidence: &'static [(&'static str, &'static str, &'static str)],
    /// `(name, value, weight)`.
    signals: Vec<(&'static str, Value, f64)>,
}

pub(super) fn support_replies(now: DateTime<Utc>) -> Vec<NewItem> {
    cases()
        .into_iter()
        .map(|case| {
            let conversation: Vec<Value> = case
                .messages
                .iter()
                .map(|m| {
                    json!({
                        "author": m.author,
                        "text": m.text,
                        "at": timestamp(now - TimeDelta::minutes(m.minutes_ago)),
                    })
                })
                .collect();
            let mut payload = json!({
                "customer": case.customer,
                "channel": case.channel,
                "subject": case.subject,
                "conversation": conversation,
            });
            if let Some(order) = case.order {
                payload["order"] = order;
            }
            NewItem {
                external_id: format!("demo-reply-{}", case.id),
                kind: "support_reply".to_owned(),
                title: case.title.to_owned(),
                payload,
                ai: AiProposal {
                    model: Some(MODEL.to_owned()),
                    output: json!({ "reply": case.reply, "tone": case.tone, "intent": case.intent }),
                    reasoning: Some(case.reasoning.to_owned()),
                    confidence: case.confidence,
                    risk: case.risk,
                    signals: case
                        .signals
                        .into_iter()
                        .map(|(name, value, weight)| signal(name, value, weight))
                        .collect(),
                    evidence: case
                        .evidence
                        .iter()
                        .map(|(label, text, source)| evidence(label, *text, source))
                        .collect(),
                },
                priority: case.priority,
                // The kind's `defaults.due_in` sets the deadline.
                due_at: None,
                callback_url: None,
                gold: None,
            }
        })
        .collect()
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "000001",
            title: "Charged twice for the March subscription",
            customer: json!({ "id": "cus_8F2K1Q", "name": "Maren Solberg", "plan": "Team (annual)", "customer_since": "2023-06-14", "open_tickets": 1 }),
            channel: "email",
            subject: "Double charge on my card",
            messages: &[Message {
                author: "Maren Solberg",
                text: "Hi, my card statement shows two charges of EUR 49.00 from you on 1 March. We only have one workspace. Can you refund the duplicate please?",
                minutes_ago: 95,
            }],
            order: Some(
                json!({ "id": "inv_20260301_5521", "amount": 49.0, "currency": "EUR", "status": "paid" }),
            ),
            reply: "Hi Maren,\n\nThank you for flagging this, and sorry for the trouble. I can see two payments of EUR 49.00 on 1 March for your Team workspace: the second was a retry our payment provider made after a timeout, and it should not have gone through.\n\nI have refunded the duplicate payment today. Depending on your bank it will show on your statement within 5 to 10 working days. Your subscription itself is unchanged.\n\nBest regards,\nThe Billing team",
            tone: "apologetic",
            intent: "refund",
            reasoning: "The billing log shows two captured payments eight seconds apart with the same invoice id: a provider retry. Duplicate captures are refundable without approval under the billing policy, so the reply confirms the refund.",
            confidence: 0.86,
            risk: Risk::Medium,
            priority: 55,
            evidence: &[
                (
                    "Billing log",
                    "inv_20260301_5521: captured 09:14:02 and 09:14:10, same card, same amount; the second flagged `provider_retry`.",
                    "billing ledger",
                ),
                (
                    "Refund policy",
                    "Duplicate captures are refunded in full by first-line support; no manager approval needed.",
                    "support handbook §4.2",
                ),
            ],
            signals: vec![
                ("duplicate_capture", json!(true), 0.31),
                ("refund_within_policy", json!(true), -0.12),
                ("customer_sentiment", json!("calm"), -0.04),
            ],
        },
        Case {
            id: "000002",
            title: "Locked out after changing phone: asks to turn off two-factor",
            customer: json!({ "id": "cus_3HQ90Z", "name": "Tobias Lindqvist", "plan": "Business", "customer_since": "2021-11-02", "open_tickets": 0 }),
            channel: "chat",
            subject: "Can't log in",
            messages: &[
                Message {
                    author: "Tobias Lindqvist",
                    text: "I got a new phone and my authenticator app is gone. I can't get into my account. Can you just switch off the two-factor thing?",
                    minutes_ago: 22,
                },
                Message {
                    author: "Support bot",
                    text: "I'm sorry you're locked out. A colleague will look at this shortly.",
                    minutes_ago: 21,
                },
                Message {
                    author: "Tobias Lindqvist",
                    text: "It's urgent, payroll runs today. My email is the same as always.",
                    minutes_ago: 18,
                },
            ],
            order: None,
            reply: "Hi Tobias,\n\nI understand payroll is waiting, so let's get you back in quickly. For your security we can't switch two-factor authentication off over chat, but we can reset it once we have confirmed it is you.\n\nI have just sent a verification link to the email address on your account. Open it on your computer, confirm the last four digits of the card you pay with, and you will be able to set up your authenticator app on the new phone.\n\nIf you still have your recovery codes, you can also sign in with one of them right away.\n\nBest,\nSupport",
            tone: "friendly",
            intent: "account_access",
            reasoning: "Requests to disable two-factor authentication are an account-takeover pattern, more so with urgency. The reply refuses to disable it and offers the standard identity-verified reset; a human should confirm no exception is made.",
            confidence: 0.64,
            risk: Risk::High,
            priority: 80,
            evidence: &[
                (
                    "Security policy",
                    "Never disable MFA on request; reset only after the verified-email flow plus a payment-card check.",
                    "security runbook: account recovery",
                ),
                (
                    "Sign-in log",
                    "6 failed MFA attempts in the last hour from a new device in the customer's usual country.",
                    "identity provider",
                ),
            ],
            signals: vec![
                ("mfa_disable_request", json!(true), 0.42),
                ("urgency_language", json!(true), 0.18),
                ("known_country", json!(true), -0.06),
            ],
        },
        Case {
            id: "000003",
            title: "Parcel a week late, customer wants to cancel",
            customer: json!({ "id": "cus_71BXW4", "name": "Aoife Brennan", "plan": "Personal", "customer_since": "2025-09-30", "open_tickets": 2 }),
            channel: "web_form",
            subject: "Where is my order??",
            messages: &[
                Message {
                    author: "Aoife Brennan",
                    text: "Ordered the Quietline headphones 9 days ago with 3-day delivery. Tracking hasn't moved since Tuesday. If it isn't here by Friday I want my money back.",
                    minutes_ago: 240,
                },
                Message {
                    author: "Aoife Brennan",
                    text: "Still nothing. This is the second time I've written.",
                    minutes_ago: 60,
                },
            ],
            order: Some(
                json!({ "id": "ord_559204", "amount": 129.0, "currency": "EUR", "status": "in_transit" }),
            ),
            reply: "Hi Aoife,\n\nI'm sorry your headphones are late and that you had to write twice. The carrier confirms the parcel was held at their Dublin depot after a scanning fault; it is back on the road and due with you tomorrow.\n\nWe have refunded the EUR 6.90 you paid for express delivery. If the parcel has not arrived by Friday, reply to this email and we will cancel the order and refund it in full, no need to send anything back.\n\nKind regards,\nCustomer care",
            tone: "apologetic",
            intent: "delivery_update",
            reasoning: "Tracking shows a depot hold since Tuesday, now released with delivery expected tomorrow. Refunding the express shipping is within agent discretion; the full refund offer is conditional on non-delivery by Friday, as the customer asked.",
            confidence: 0.78,
            risk: Risk::Low,
            priority: 45,
            evidence: &[
                (
                    "Carrier tracking",
                    "ord_559204: held at Dublin depot (scan fault) Tue-Thu; released 07:40 today, out for delivery tomorrow.",
                    "carrier API",
                ),
                (
                    "Goodwill policy",
                    "Agents may refund delivery charges on late orders without approval.",
                    "support handbook §2.7",
                ),
            ],
            signals: vec![
                ("days_late", json!(6), 0.14),
                ("repeat_contact", json!(true), 0.09),
                ("refund_within_policy", json!(true), -0.1),
            ],
        },
        Case {
            id: "000004",
            title: "Cancelling, asks for a copy of all their data",
            customer: json!({ "id": "cus_0PZ7RM", "name": "Hamid Rahimi", "plan": "Team (monthly)", "customer_since": "2022-02-17", "open_tickets": 0 }),
            channel: "email",
            subject: "Cancel and export",
            messages: &[Message {
                author: "Hamid Rahimi",
                text: "We're moving to another tool at the end of the month. Please cancel our plan and send me an export of everything we have stored with you, including the deleted projects.",
                minutes_ago: 300,
            }],
            order: None,
            reply: "Hi Hamid,\n\nSorry to see you go, and thank you for the years with us. Your Team plan will stay active until 31 March and then end; you won't be charged again.\n\nYou can download an export of all your current projects at any time from Settings > Workspace > Export. I have also attached the export of the deleted projects we still hold.\n\nIf there's anything we could have done better, I'd be glad to hear it.\n\nAll the best,\nSupport",
            tone: "friendly",
            intent: "cancellation",
            reasoning: "A monthly plan cancels at the end of the period. The export of live projects is self-service. The draft promises an attachment of deleted projects, which support cannot produce: that needs the data-protection team.",
            confidence: 0.52,
            risk: Risk::Medium,
            priority: 40,
            evidence: &[
                (
                    "Plan",
                    "Team (monthly), renews 1 April; cancellation takes effect at the end of the period.",
                    "billing",
                ),
                (
                    "Data requests",
                    "Requests for deleted data are data subject access requests, handled by the privacy team within 30 days.",
                    "privacy policy, internal procedure",
                ),
            ],
            signals: vec![
                ("cancellation_request", json!(true), 0.05),
                ("mentions_deleted_data", json!(true), 0.27),
                ("promises_attachment", json!(true), 0.21),
            ],
        },
    ]
}
