//! Property: for generated rows and queries, the search returns exactly the rows a brute-force filter
//! over the same rows selects (words split on what is not a letter or digit, any case; a phrase is
//! consecutive words of one field; `*` matches words starting with the stem; field filters compare
//! whole values ignoring case).

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

const WORDS: [&str; 8] = [
    "acme", "acmes", "card", "cards", "refund", "late", "globex", "fraud",
];
const MERCHANTS: [&str; 3] = ["Acme", "acme corp", "Globex"];

#[derive(Debug, Clone)]
struct Row {
    transaction: bool,
    title: Vec<usize>,
    output: Vec<usize>,
    merchant: usize,
}

#[derive(Debug, Clone)]
enum Atom {
    Word(usize),
    Prefix(usize, usize),
    Phrase(usize, usize),
}

#[derive(Debug, Clone)]
struct Query {
    groups: Vec<Vec<Atom>>,
    excluded: Vec<Atom>,
    merchant: Option<usize>,
    only_transactions: bool,
}

fn words() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..WORDS.len(), 0..6)
}

fn row() -> impl Strategy<Value = Row> {
    (any::<bool>(), words(), words(), 0..MERCHANTS.len()).prop_map(
        |(transaction, title, output, merchant)| Row {
            transaction,
            title,
            output,
            merchant,
        },
    )
}

fn atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        (0..WORDS.len()).prop_map(Atom::Word),
        (0..WORDS.len(), 1..4usize).prop_map(|(w, n)| Atom::Prefix(w, n)),
        (0..WORDS.len(), 0..WORDS.len()).prop_map(|(a, b)| Atom::Phrase(a, b)),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    (
        prop::collection::vec(prop::collection::vec(atom(), 1..3), 0..3),
        prop::collection::vec(atom(), 0..2),
        prop::option::of(0..MERCHANTS.len()),
        any::<bool>(),
    )
        .prop_filter(
            "something to search for",
            |(groups, excluded, merchant, _)| {
                !groups.is_empty() || !excluded.is_empty() || merchant.is_some()
            },
        )
        .prop_map(|(groups, excluded, merchant, only_transactions)| Query {
            groups,
            excluded,
            merchant,
            only_transactions,
        })
}

impl Atom {
    fn text(&self) -> String {
        match *self {
            Atom::Word(w) => WORDS[w].to_uppercase(),
            Atom::Prefix(w, n) => format!("{}*", &WORDS[w][..n]),
            Atom::Phrase(a, b) => format!("\"{} {}\"", WORDS[a], WORDS[b]),
        }
    }

    /// Whether the words of one field contain this atom.
    fn matches(&self, field: &[String]) -> bool {
        match *self {
            Atom::Word(w) => field.iter().any(|t| t == WORDS[w]),
            Atom::Prefix(w, n) => field.iter().any(|t| t.starts_with(&WORDS[w][..n])),
            Atom::Phrase(a, b) => field
                .windows(2)
                .any(|p| p[0] == WORDS[a] && p[1] == WORDS[b]),
        }
    }
}

impl Query {
    fn text(&self) -> String {
        let mut parts: Vec<String> = self
            .groups
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(Atom::text)
                    .collect::<Vec<_>>()
                    .join(" OR ")
            })
            .collect();
        parts.extend(self.excluded.iter().map(|atom| format!("-{}", atom.text())));
        if let Some(m) = self.merchant {
            parts.push(format!("merchant:\"{}\"", MERCHANTS[m].to_uppercase()));
        }
        parts.join(" ")
    }

    fn selects(&self, row: &Row) -> bool {
        let fields = row.fields();
        let any_field = |atom: &Atom| fields.iter().any(|field| atom.matches(field));
        self.groups.iter().all(|group| group.iter().any(any_field))
            && !self.excluded.iter().any(any_field)
            && self.merchant.is_none_or(|m| {
                row.transaction && MERCHANTS[row.merchant].eq_ignore_ascii_case(MERCHANTS[m])
            })
            && (!self.only_transactions || row.transaction)
    }
}

fn split(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Row {
    fn title(&self) -> String {
        self.title
            .iter()
            .map(|&w| WORDS[w])
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn output(&self) -> String {
        self.output
            .iter()
            .map(|&w| WORDS[w])
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The indexed fields as words: the title, then the payload's and the output's leaves.
    fn fields(&self) -> [Vec<String>; 2] {
        [
            split(&self.title()),
            split(&format!("{} {}", MERCHANTS[self.merchant], self.output())),
        ]
    }

    fn assignment(&self) -> Assignment {
        let kind = if self.transaction {
            "transaction"
        } else {
            "support_reply"
        };
        assignment(
            kind,
            &self.title(),
            json!({"merchant": {"name": MERCHANTS[self.merchant]}}),
            json!(self.output()),
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn search_agrees_with_a_brute_force_filter(
        rows in prop::collection::vec(row(), 1..30),
        queries in prop::collection::vec(query(), 1..8),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = Store::open(dir.path()).await.expect("open");
            let assignments: Vec<Assignment> = rows.iter().map(Row::assignment).collect();
            apply(&store, assignments.clone(), true).await;
            for query in &queries {
                let filters = ListQuery {
                    kind: query.only_transactions.then(|| "transaction".to_owned()),
                    limit: 1000,
                    ..ListQuery::default()
                };
                let found: BTreeSet<ItemId> =
                    ids(&search_in(&store, &query.text(), &filters).await).into_iter().collect();
                let expected: BTreeSet<ItemId> = rows
                    .iter()
                    .zip(&assignments)
                    .filter(|(row, _)| query.selects(row))
                    .map(|(_, a)| a.item.id)
                    .collect();
                prop_assert_eq!(found, expected, "{}", query.text());
            }
            Ok(())
        })?;
    }
}
