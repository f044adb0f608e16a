//! Search over the local cache, without storage: the user's text parsed into terms and field filters,
//! written as a safe SQLite FTS5 query, and the field filters resolved through the kinds' identifying
//! fields. The store (`store::search`) runs it.
//!
//! The syntax (README.md, docs/cli.md): words are searched as words (`acme`), `"exact phrases"`,
//! `prefix*`, `-excluded` terms, `a OR b` (binds tighter than the implied AND between terms), and
//! `name:value` / `name:"a value"` filters named by the kinds' identifiers (`merchant:acme`), which
//! match that field's whole value, ignoring ASCII case. Every term reaches FTS5 quoted, so no user text
//! is ever read as FTS5 syntax: a malformed query is a [`QueryError`], never an SQLite error.

use std::collections::BTreeMap;

use countersign_domain::kind::KindDefinition;
use serde::Serialize;

/// Why a search text cannot be run; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the search is empty: type a word, a \"phrase\" or a filter such as merchant:acme")]
    Empty,
    #[error("a quote is not closed: close it, or leave quotes out")]
    UnbalancedQuote,
    #[error("OR needs a term on each side (as in: acme OR globex)")]
    DanglingOr,
    #[error("a lone \"-\" excludes nothing: write it right before a term (as in: -refund)")]
    EmptyExclusion,
    #[error("an excluded term cannot be one side of OR: exclude it on its own")]
    ExclusionInOr,
    #[error("a filter ({0}:) cannot be one side of OR: give it on its own")]
    FilterInOr(String),
    #[error("\"*\" only ends a word, to match words starting with it (as in: refund*): {0}")]
    MisplacedWildcard(String),
    #[error("{0} has no letters or digits to search for")]
    NoWords(String),
    #[error("the filter {0}: has no value (as in: {0}:acme)")]
    EmptyFilterValue(String),
    #[error("there is no {name}: filter here; the kinds held name these: {known}")]
    UnknownFilter { name: String, known: String },
    #[error(
        "the kind {kind} names its {filter}: field by a pointer search cannot follow ({pointer})"
    )]
    UnusablePointer {
        kind: String,
        filter: String,
        pointer: String,
    },
}

/// One searched term: a word or phrase, matched as a sequence of words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// The last word matches any word starting with it.
    pub prefix: bool,
}

/// `name:value`: the field the kinds call `name` equals `value`, ignoring ASCII case (the type the
/// queue's related items share it with).
pub use countersign_domain::FieldFilter;

/// A parsed search: every group must match (one of its terms), no excluded term may, every filter holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    pub groups: Vec<Vec<Term>>,
    pub excluded: Vec<Term>,
    pub filters: Vec<FieldFilter>,
}

enum Token {
    Term(Term),
    Or,
    Exclude(Term),
    Filter(FieldFilter),
}

impl SearchQuery {
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        let tokens = tokenize(text)?;
        let mut query = SearchQuery::default();
        let mut tokens = tokens.into_iter().peekable();
        let mut previous_was_term = false;
        while let Some(token) = tokens.next() {
            match token {
                Token::Term(term) => {
                    query.groups.push(vec![term]);
                    previous_was_term = true;
                    continue;
                }
                Token::Or => {
                    if !previous_was_term {
                        return Err(QueryError::DanglingOr);
                    }
                    match tokens.next() {
                        Some(Token::Term(term)) => {
                            if let Some(group) = query.groups.last_mut() {
                                group.push(term);
                            }
                            continue;
                        }
                        Some(Token::Exclude(_)) => return Err(QueryError::ExclusionInOr),
                        Some(Token::Filter(filter)) => {
                            return Err(QueryError::FilterInOr(filter.name));
                        }
                        Some(Token::Or) | None => return Err(QueryError::DanglingOr),
                    }
                }
                Token::Exclude(term) => {
                    if matches!(tokens.peek(), Some(Token::Or)) {
                        return Err(QueryError::ExclusionInOr);
                    }
                    query.excluded.push(term);
                }
                Token::Filter(filter) => {
                    if matches!(tokens.peek(), Some(Token::Or)) {
                        return Err(QueryError::FilterInOr(filter.name));
                    }
                    query.filters.push(filter);
                }
            }
            previous_was_term = false;
        }
        if query.groups.is_empty() && query.excluded.is_empty() && query.filters.is_empty() {
            return Err(QueryError::Empty);
        }
        Ok(query)
    }

    /// The FTS5 expression every result must match, if the search has terms to match.
    pub fn fts_match(&self) -> Option<String> {
        if self.groups.is_empty() {
            return None;
        }
        let all = self
            .groups
            .iter()
            .map(|group| format!("({})", join(group, " OR ")))
            .collect::<Vec<_>>()
            .join(" AND ");
        Some(match self.fts_excluded() {
            Some(excluded) => format!("({all}) NOT ({excluded})"),
            None => all,
        })
    }

    /// The FTS5 expression no result may match, if any term is excluded.
    pub fn fts_excluded(&self) -> Option<String> {
        (!self.excluded.is_empty()).then(|| join(&self.excluded, " OR "))
    }
}

fn join(terms: &[Term], separator: &str) -> String {
    terms
        .iter()
        .map(Term::fts)
        .collect::<Vec<_>>()
        .join(separator)
}

impl Term {
    /// The term as an FTS5 string (always quoted, so it is never read as syntax), plus `*` for a prefix.
    pub fn fts(&self) -> String {
        let quoted = format!("\"{}\"", self.text.replace('"', "\"\""));
        if self.prefix {
            format!("{quoted} *")
        } else {
            quoted
        }
    }

    fn new(text: String, prefix: bool) -> Result<Self, QueryError> {
        if !text.chars().any(char::is_alphanumeric) {
            return Err(QueryError::NoWords(text));
        }
        Ok(Term { text, prefix })
    }
}

/// Reads a quoted run starting after its opening quote; returns its text.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, QueryError> {
    let mut text = String::new();
    for c in chars.by_ref() {
        if c == '"' {
            return Ok(text);
        }
        text.push(c);
    }
    Err(QueryError::UnbalancedQuote)
}

fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(tokens);
        };
        let exclude = first == '-';
        if exclude {
            chars.next();
            if chars.peek().is_none_or(|c| c.is_whitespace()) {
                return Err(QueryError::EmptyExclusion);
            }
        }
        let term = if chars.next_if_eq(&'"').is_some() {
            let text = quoted(&mut chars)?;
            let prefix = chars.next_if_eq(&'*').is_some();
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                let rest: String = chars.by_ref().take_while(|c| !c.is_whitespace()).collect();
                return Err(if rest.contains('"') {
                    QueryError::UnbalancedQuote
                } else {
                    QueryError::MisplacedWildcard(format!("\"{text}\"{rest}"))
                });
            }
            Term::new(text, prefix)?
        } else {
            let mut word = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '"' {
                    match word.strip_suffix(':') {
                        Some(name) if !exclude && is_filter_name(name) => {
                            let value = quoted(&mut chars)?;
                            tokens.push(filter(name, value)?);
                            word.clear();
                            break;
                        }
                        _ => return Err(QueryError::UnbalancedQuote),
                    }
                }
                word.push(c);
            }
            if word.is_empty() {
                continue;
            }
            if !exclude && word == "OR" {
                tokens.push(Token::Or);
                continue;
            }
            if let Some((name, value)) = word.split_once(':')
                && !exclude
                && is_filter_name(name)
            {
                tokens.push(filter(name, value.to_owned())?);
                continue;
            }
            let (text, prefix) = match word.strip_suffix('*') {
                Some(stem) => (stem.to_owned(), true),
                None => (word.clone(), false),
            };
            if text.contains('*') || (prefix && !text.chars().any(char::is_alphanumeric)) {
                return Err(QueryError::MisplacedWildcard(word));
            }
            Term::new(text, prefix)?
        };
        tokens.push(if exclude {
            Token::Exclude(term)
        } else {
            Token::Term(term)
        });
    }
}

fn is_filter_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn filter(name: &str, value: String) -> Result<Token, QueryError> {
    let name = name.to_ascii_lowercase();
    if value.trim().is_empty() {
        return Err(QueryError::EmptyFilterValue(name));
    }
    Ok(Token::Filter(FieldFilter { name, value }))
}

/// Where each field filter looks, per kind: from the kinds' identifying fields
/// (`DisplayHints.identifiers`, each with its JSON Pointer into the item and its filter name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentifierFields {
    /// filter name → (kind, JSON Pointer into the item)
    by_filter: BTreeMap<String, Vec<(String, String)>>,
}

/// A field filter resolved for one kind: an SQLite JSON path into the item's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    pub kind: String,
    pub path: String,
    /// The field lies in the text the full-text index holds (payload or AI output), so a match can be
    /// narrowed by the index before the exact comparison.
    pub indexed: bool,
}

impl IdentifierFields {
    pub fn from_kinds<'a>(kinds: impl IntoIterator<Item = &'a KindDefinition>) -> Self {
        let mut by_filter: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for kind in kinds {
            for identifier in &kind.spec.hints.identifiers {
                by_filter
                    .entry(identifier.filter.to_ascii_lowercase())
                    .or_default()
                    .push((kind.kind.clone(), identifier.pointer.clone()));
            }
        }
        Self { by_filter }
    }

    /// The identifying fields of `kind`: each filter's name and its JSON Pointer into the item.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.by_filter.iter().flat_map(move |(filter, fields)| {
            fields
                .iter()
                .filter(move |(k, _)| k == kind)
                .map(move |(_, pointer)| (filter.as_str(), pointer.as_str()))
        })
    }

    /// The paths `filter` reads, one per kind that names it.
    pub fn paths(&self, filter: &str) -> Result<Vec<FieldPath>, QueryError> {
        let Some(fields) = self.by_filter.get(filter) else {
            let known = self.by_filter.keys().cloned().collect::<Vec<_>>();
            return Err(QueryError::UnknownFilter {
                name: filter.to_owned(),
                known: if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                },
            });
        };
        fields
            .iter()
            .map(|(kind, pointer)| {
                let path = json_path(pointer).ok_or_else(|| QueryError::UnusablePointer {
                    kind: kind.clone(),
                    filter: filter.to_owned(),
                    pointer: pointer.clone(),
                })?;
                Ok(FieldPath {
                    kind: kind.clone(),
                    path,
                    indexed: INDEXED_PARTS
                        .iter()
                        .any(|part| pointer.starts_with(&format!("{part}/"))),
                })
            })
            .collect()
    }
}

/// The parts of an item whose text leaves the full-text index holds (migrations/0007_search.sql).
const INDEXED_PARTS: [&str; 3] = ["/payload", "/ai/output", "/ai/reasoning"];

/// A JSON Pointer (RFC 6901) as an SQLite JSON path of object keys; `None` for one SQLite cannot spell.
fn json_path(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix('/')?;
    let mut path = String::from("$");
    for segment in rest.split('/') {
        let key = segment.replace("~1", "/").replace("~0", "~");
        if key.contains('"') || key.contains('\\') {
            return None;
        }
        path.push_str(&format!(".\"{key}\""));
    }
    Some(path)
}

/// Part of a shown text, marked when it is what the search matched. Text only: the UI renders segments
/// as text, never as HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TextSegment {
    pub text: String,
    pub matched: bool,
}

/// Where the store's FTS5 `highlight()`/`snippet()` mark a match (characters the index never holds:
/// migrations/0007_search.sql replaces them in every indexed text).
pub const MATCH_START: char = '\u{1}';
pub const MATCH_END: char = '\u{2}';

/// Splits a text marked with [`MATCH_START`]/[`MATCH_END`] into segments.
pub fn segments(marked: &str) -> Vec<TextSegment> {
    let mut segments = Vec::new();
    let mut matched = false;
    for part in marked.split([MATCH_START, MATCH_END]) {
        if !part.is_empty() {
            segments.push(TextSegment {
                text: part.to_owned(),
                matched,
            });
        }
        matched = !matched;
    }
    segments
}

#[cfg(test)]
mod tests;
