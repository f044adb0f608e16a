//! What only the end-to-end tests of the desktop app need: a WebDriver session on the real app. The
//! rest of the harness (queues, the fault proxy, databases, fixtures) is `countersign-testkit`.

pub mod webdriver;
