//! The audit bundle: an export of the hash-chained audit log (or of the entries about one item, or
//! of a time range) that a verifier checks offline, with no database. Format in docs/protocol.md,
//! "Audit bundle".
//!
//! Every line is one JSON object: a header naming the filter and the chain head at export; then the
//! chain from entry 1 to the head, each selected entry whole and each run of entries left out as
//! one `skipped` line carrying the `prev_hash` of its first and the `hash` of its last entry (so the
//! chain still links); then an end line with the number of lines before it and the SHA-256 of
//! those lines. An altered, removed, inserted or reordered line breaks the chain, the filter, the
//! head or the digest.

use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditEntry, ChainHead, GENESIS_HASH};
use crate::db::Db;
use crate::error::StoreError;

/// The `version` a header carries; a verifier refuses any other.
const VERSION: u32 = 1;
/// The `bundle` a header carries, so that another JSON Lines file is not mistaken for one.
const BUNDLE_NAME: &str = "countersign-audit";
/// Entries read from the database at a time.
const PAGE: i64 = 5000;

/// Which entries a bundle carries whole: all of them by default; `item_id` only those about that
/// item; `from` (inclusive) and `to` (exclusive) only those appended in that range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BundleFilter {
    pub item_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl BundleFilter {
    fn selects(&self, entry: &AuditEntry) -> Result<bool, BundleBreak> {
        if let Some(item) = &self.item_id
            && entry.item_id.as_deref() != Some(item.as_str())
        {
            return Ok(false);
        }
        if self.from.is_none() && self.to.is_none() {
            return Ok(true);
        }
        let at = DateTime::parse_from_rfc3339(&entry.at)
            .map_err(|_| BundleBreak::Time { seq: entry.seq })?
            .with_timezone(&Utc);
        Ok(self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to))
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    bundle: String,
    version: u32,
    filter: BundleFilter,
    head: ChainHead,
}

/// A run of entries the filter left out: where it starts and ends in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Skipped {
    first_seq: i64,
    last_seq: i64,
    prev_hash: String,
    hash: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct End {
    lines: usize,
    digest: String,
}

/// Every line after the header.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Line {
    Skipped { skipped: Skipped },
    End { end: End },
    Entry(AuditEntry),
}

/// What an intact bundle proves: the chain from its start to `head`, with `entries` entries whole.
#[derive(Debug, PartialEq)]
pub struct BundleSummary {
    pub filter: BundleFilter,
    pub head: ChainHead,
    pub entries: usize,
    pub lines: usize,
}

/// Why a bundle does not verify, naming the first line at fault (counted from 1).
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum BundleBreak {
    #[error("line 1 is not an audit bundle header (version {VERSION})")]
    Header,
    #[error("line {line} is not a bundle line (an entry, a skipped run or the end)")]
    Malformed { line: usize },
    #[error("line {line}: {cause}")]
    Chain {
        line: usize,
        #[source]
        cause: audit::ChainBreak,
    },
    #[error("line {line}: the skipped run does not follow entry {previous} or is empty")]
    Skip { line: usize, previous: i64 },
    #[error("line {line}: entry {seq} is outside the header's filter")]
    Filtered { line: usize, seq: i64 },
    #[error("entry {seq} has a malformed time")]
    Time { seq: i64 },
    #[error(
        "the chain ends at entry {last} but the header names head {head_seq}: lines were removed or altered"
    )]
    Head { last: i64, head_seq: i64 },
    #[error("line {line}: the end line does not match the lines before it (count or digest)")]
    Digest { line: usize },
    #[error("line {line} follows the end line")]
    AfterEnd { line: usize },
    #[error("the bundle has no end line: lines were removed from its end")]
    NoEnd,
    #[error("the bundle cannot be read: {0}")]
    Read(String),
}

/// Writes a bundle of the whole chain as it is now, carrying whole the entries `filter` selects.
/// Returns how many entries it carried whole.
pub async fn export(
    db: &Db,
    filter: &BundleFilter,
    out: &mut impl Write,
) -> Result<usize, ExportError> {
    audit::seal(db).await?;
    let head = audit::head(db).await?;
    let mut writer = LineWriter::new(out);
    writer.line(&Header {
        bundle: BUNDLE_NAME.to_owned(),
        version: VERSION,
        filter: filter.clone(),
        head: head.clone(),
    })?;
    let mut skipped: Option<Skipped> = None;
    let mut carried = 0;
    let mut after = 0;
    while after < head.seq {
        let page = audit::entries(db, None, after, PAGE.min(head.seq - after)).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in page {
            if filter.selects(&entry)? {
                if let Some(run) = skipped.take() {
                    writer.line(&serde_json::json!({ "skipped": run }))?;
                }
                writer.line(&entry)?;
                carried += 1;
            } else {
                match &mut skipped {
                    Some(run) => {
                        run.last_seq = entry.seq;
                        run.hash = entry.hash;
                    }
                    None => {
                        skipped = Some(Skipped {
                            first_seq: entry.seq,
                            last_seq: entry.seq,
                            prev_hash: entry.prev_hash,
                            hash: entry.hash,
                        })
                    }
                }
            }
        }
    }
    if let Some(run) = skipped {
        writer.line(&serde_json::json!({ "skipped": run }))?;
    }
    writer.finish()?;
    Ok(carried)
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the audit log itself is malformed: {0}")]
    Log(#[from] BundleBreak),
    #[error("writing the bundle: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes lines and keeps the digest of what it wrote, for the end line.
struct LineWriter<'w, W: Write> {
    out: &'w mut W,
    digest: Sha256,
    lines: usize,
}

impl<'w, W: Write> LineWriter<'w, W> {
    fn new(out: &'w mut W) -> Self {
        LineWriter {
            out,
            digest: Sha256::new(),
            lines: 0,
        }
    }

    fn line(&mut self, value: &impl Serialize) -> Result<(), ExportError> {
        let mut text = serde_json::to_string(value).map_err(std::io::Error::from)?;
        text.push('\n');
        self.digest.update(text.as_bytes());
        self.lines += 1;
        self.out.write_all(text.as_bytes())?;
        Ok(())
    }

    fn finish(self) -> Result<(), ExportError> {
        let end = End {
            lines: self.lines,
            digest: hex::encode(self.digest.finalize()),
        };
        let text = serde_json::to_string(&serde_json::json!({ "end": end }))
            .map_err(std::io::Error::from)?;
        writeln!(self.out, "{text}")?;
        self.out.flush()?;
        Ok(())
    }
}

/// Verifies a bundle as it is read, line by line: the header, the chain from entry 1 to the
/// header's head (every whole entry rehashed, every skipped run linked), the filter, and the end
/// line's count and digest.
pub fn verify(reader: impl BufRead) -> Result<BundleSummary, BundleBreak> {
    let mut lines = reader.split(b'\n');
    let mut next_line = |line: usize| -> Result<Option<String>, BundleBreak> {
        match lines.next() {
            None => Ok(None),
            Some(Err(error)) => Err(BundleBreak::Read(error.to_string())),
            Some(Ok(bytes)) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| BundleBreak::Malformed { line }),
        }
    };
    let header_text = next_line(1)?.ok_or(BundleBreak::Header)?;
    let header: Header = serde_json::from_str(&header_text).map_err(|_| BundleBreak::Header)?;
    if header.bundle != BUNDLE_NAME || header.version != VERSION {
        return Err(BundleBreak::Header);
    }
    let mut digest = Sha256::new();
    let mut previous = header_text;
    let (mut seq, mut hash) = (0i64, GENESIS_HASH.to_owned());
    let mut entries = 0;
    for line in 2.. {
        let Some(text) = next_line(line)? else {
            return Err(BundleBreak::NoEnd);
        };
        digest.update(previous.as_bytes());
        digest.update(b"\n");
        let parsed: Line =
            serde_json::from_str(&text).map_err(|_| BundleBreak::Malformed { line })?;
        match parsed {
            Line::Entry(entry) => {
                audit::check_chain(seq, &hash, std::slice::from_ref(&entry))
                    .map_err(|cause| BundleBreak::Chain { line, cause })?;
                if !header.filter.selects(&entry)? {
                    return Err(BundleBreak::Filtered {
                        line,
                        seq: entry.seq,
                    });
                }
                (seq, hash) = (entry.seq, entry.hash);
                entries += 1;
            }
            Line::Skipped { skipped } => {
                if skipped.first_seq != seq + 1
                    || skipped.last_seq < skipped.first_seq
                    || skipped.prev_hash != hash
                {
                    return Err(BundleBreak::Skip {
                        line,
                        previous: seq,
                    });
                }
                (seq, hash) = (skipped.last_seq, skipped.hash);
            }
            Line::End { end } => {
                if end.lines != line - 1 || end.digest != hex::encode(digest.finalize()) {
                    return Err(BundleBreak::Digest { line });
                }
                if seq != header.head.seq || hash != header.head.hash {
                    return Err(BundleBreak::Head {
                        last: seq,
                        head_seq: header.head.seq,
                    });
                }
                if next_line(line + 1)?.is_some() {
                    return Err(BundleBreak::AfterEnd { line: line + 1 });
                }
                return Ok(BundleSummary {
                    filter: header.filter,
                    head: header.head,
                    entries,
                    lines: line,
                });
            }
        }
        previous = text;
    }
    Err(BundleBreak::NoEnd)
}
