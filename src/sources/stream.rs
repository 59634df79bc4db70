//! Reading an exchange's list as it streams in, chunk by chunk, without
//! ever holding the whole answer.
//!
//! A list is megabytes of entries (Binance's are filters and permissions,
//! mostly) around a few fields that matter. [`ListReader`] follows the
//! answer's structure byte by byte: each entry of the list is gathered
//! alone, read into the exchange's small struct at once, and dropped, so
//! only one entry is held at a time; everything outside the list (an error
//! code, a message, the list's brackets) is kept in a small "frame" and read
//! at the end by the exchange's own answer type. What stays in memory is
//! the pairs, one entry's text, and the frame: kilobytes, whatever the size
//! of the list.
//!
//! The reader checks the answer's structure (brackets, commas, colons) as it
//! goes; the text of each entry and of the frame is then read by serde_json,
//! which checks the rest. An answer that is not JSON is refused as soon as
//! that shows, so the rest of it is never downloaded.

use super::{Exchange, Pair};
use crate::market::MarketError;

/// An entry longer than this is not one of a list's entries (the largest,
/// Binance's, are about 3 KB): it is skipped unread, like an entry of
/// another shape, and never held whole.
pub const MAX_ENTRY: usize = 256 * 1024;

/// The most an answer may hold outside its list's entries: a real one holds
/// a few hundred bytes there (a code, a message, Binance's rate limits).
pub const MAX_FRAME: usize = 64 * 1024;

/// Deeper nesting than this is refused (serde_json refuses 128 levels).
const MAX_DEPTH: usize = 100;

/// Reads an answer's frame, with the pairs of its list, into a look's
/// outcome.
pub(crate) type ReadAnswer = fn(&[u8], Vec<Pair>) -> Result<Vec<Pair>, MarketError>;

/// How one exchange's answer is laid out, and how its parts are read.
pub(crate) struct ListShape {
    pub exchange: Exchange,
    /// The keys from the answer's top to its list (`["result", "list"]`);
    /// empty when the answer is the list.
    pub path: &'static [&'static str],
    /// What the answer should be, for the message when it is not.
    pub shape: &'static str,
    /// One entry's text, read as a pair: `Ok(None)` when the entry is of
    /// another shape or does not make a usable pair.
    pub entry: fn(&[u8], i64) -> Result<Option<Pair>, serde_json::Error>,
    /// The frame (the answer with its list emptied), and the pairs read
    /// from the list: the look's outcome.
    pub answer: ReadAnswer,
}

/// Where the bytes being read go.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sink {
    Frame,
    Entry,
    Drop,
}

/// What the next structural byte of a container may be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Just opened: a value (a key in an object) or the close.
    First,
    /// After a comma: a value (a key in an object).
    Item,
    /// After a key: its colon.
    Colon,
    /// After a colon: the value.
    Value,
    /// After a value: a comma or the close.
    CommaOrClose,
}

#[derive(Debug)]
struct Frame {
    object: bool,
    expect: Expect,
    /// How many keys of the path lead here from the top, when this
    /// container is on the path; `Some(path.len())` is the list.
    on_path: Option<usize>,
    /// Whether the key just read is the path's next one.
    key_matches: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Lexer {
    /// Between tokens.
    Between,
    /// In a string; `key` when it is an object's key.
    Str {
        escaped: bool,
        key: bool,
        sink: Sink,
    },
    /// In a number, `true`, `false` or `null`.
    Scalar { sink: Sink },
}

/// One look's answer, read as it arrives: [`feed`](ListReader::feed) each
/// chunk, then [`finish`](ListReader::finish).
pub struct ListReader {
    shape: &'static ListShape,
    now: i64,
    lexer: Lexer,
    stack: Vec<Frame>,
    /// The top-level value has ended.
    done: bool,
    /// The depth of the list's frame while one of its entries is read.
    entry_at: Option<usize>,
    /// The entry being read is over [`MAX_ENTRY`] and is skipped.
    oversized: bool,
    entry: Vec<u8>,
    frame: Vec<u8>,
    /// The key being read, when it may be the path's next one.
    key: Vec<u8>,
    pairs: Vec<Pair>,
}

impl ListShape {
    /// A reader of one answer of this shape, as of `now` (Unix seconds).
    pub(crate) fn reader(&'static self, now: i64) -> ListReader {
        ListReader {
            shape: self,
            now,
            lexer: Lexer::Between,
            stack: Vec::new(),
            done: false,
            entry_at: None,
            oversized: false,
            entry: Vec::new(),
            frame: Vec::new(),
            key: Vec::new(),
            pairs: Vec::new(),
        }
    }

    /// Reads a whole answer held in memory (tests, fuzzing, the bench).
    pub(crate) fn parse(&'static self, body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
        let mut reader = self.reader(now);
        reader.feed(body)?;
        reader.finish()
    }
}

impl ListReader {
    /// Reads the next chunk of the answer. An error ends the look: the rest
    /// of the answer need not be read.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), MarketError> {
        while !chunk.is_empty() {
            let used = match self.lexer {
                Lexer::Str { escaped, key, sink } => self.string(chunk, escaped, key, sink)?,
                Lexer::Scalar { sink } => {
                    let len = chunk
                        .iter()
                        .position(|&b| !is_scalar_byte(b))
                        .unwrap_or(chunk.len());
                    self.put(sink, &chunk[..len])?;
                    if len < chunk.len() {
                        self.lexer = Lexer::Between;
                        self.value_ended()?;
                    }
                    len
                }
                Lexer::Between => {
                    self.structural(chunk[0])?;
                    1
                }
            };
            chunk = &chunk[used..];
        }
        Ok(())
    }

    /// The look's outcome, once the whole answer was fed.
    pub fn finish(mut self) -> Result<Vec<Pair>, MarketError> {
        if let Lexer::Scalar { .. } = self.lexer
            && self.stack.is_empty()
        {
            self.lexer = Lexer::Between;
            self.value_ended()?;
        }
        if !self.done || self.lexer != Lexer::Between {
            return Err(self.malformed("is cut off"));
        }
        let frame = std::mem::take(&mut self.frame);
        (self.shape.answer)(&frame, std::mem::take(&mut self.pairs))
    }

    fn malformed(&self, what: &str) -> MarketError {
        super::answer::malformed(self.shape.exchange, what)
    }

    fn not_json(&self) -> MarketError {
        self.malformed("is not JSON")
    }

    /// Where a byte read now goes: into the entry being read, nowhere
    /// (the list's own commas, and Kraken's names of its pairs), or into
    /// the frame.
    fn sink(&self) -> Sink {
        if self.entry_at.is_some() {
            if self.oversized {
                Sink::Drop
            } else {
                Sink::Entry
            }
        } else if self.stack.last().is_some_and(|f| self.is_list(f)) {
            Sink::Drop
        } else {
            Sink::Frame
        }
    }

    fn is_list(&self, frame: &Frame) -> bool {
        frame.on_path == Some(self.shape.path.len())
    }

    fn put(&mut self, sink: Sink, bytes: &[u8]) -> Result<(), MarketError> {
        match sink {
            Sink::Drop => {}
            Sink::Entry if self.oversized => {}
            Sink::Entry => {
                if self.entry.len() + bytes.len() > MAX_ENTRY {
                    self.oversized = true;
                    self.entry = Vec::new();
                } else {
                    // Grown by doubling, but never past the cap.
                    let need = self.entry.len() + bytes.len();
                    if need > self.entry.capacity() {
                        let grown = need.max(2 * self.entry.capacity()).min(MAX_ENTRY);
                        self.entry.reserve_exact(grown - self.entry.len());
                    }
                    self.entry.extend_from_slice(bytes);
                }
            }
            Sink::Frame => {
                if self.frame.len() + bytes.len() > MAX_FRAME {
                    let what = format!(
                        "is not {}: more than {} KiB outside its entries",
                        self.shape.shape,
                        MAX_FRAME / 1024
                    );
                    return Err(self.malformed(&what));
                }
                self.frame.extend_from_slice(bytes);
            }
        }
        Ok(())
    }

    /// Whether a value may start here, and if so, starts it: an entry when
    /// its container is the list.
    fn value_starts(&mut self) -> Result<(), MarketError> {
        let at_value = match self.stack.last() {
            None => !self.done,
            Some(f) => matches!(
                (f.object, f.expect),
                (false, Expect::First | Expect::Item) | (true, Expect::Value)
            ),
        };
        if !at_value {
            return Err(self.not_json());
        }
        if self.entry_at.is_none() && self.stack.last().is_some_and(|f| self.is_list(f)) {
            self.entry_at = Some(self.stack.len());
            self.oversized = false;
            self.entry.clear();
        }
        Ok(())
    }

    /// A value has ended: its container expects a comma or its close next,
    /// and an entry of the list is read.
    fn value_ended(&mut self) -> Result<(), MarketError> {
        match self.stack.last_mut() {
            None => self.done = true,
            Some(f) => f.expect = Expect::CommaOrClose,
        }
        if self.entry_at == Some(self.stack.len()) {
            self.entry_at = None;
            if !self.oversized {
                let read = (self.shape.entry)(&self.entry, self.now);
                match read {
                    Ok(pair) => self.pairs.extend(pair),
                    Err(e) => {
                        let what = match e.classify() {
                            serde_json::error::Category::Data => {
                                format!("is not {}", self.shape.shape)
                            }
                            _ => "is not JSON".to_string(),
                        };
                        return Err(self.malformed(&what));
                    }
                }
            }
            self.entry.clear();
            if self.entry.capacity() > 4 * 1024 {
                self.entry = Vec::new();
            }
        }
        Ok(())
    }

    fn structural(&mut self, b: u8) -> Result<(), MarketError> {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'{' | b'[' => {
                self.value_starts()?;
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.not_json());
                }
                let on_path = match self.stack.last() {
                    None => Some(0),
                    Some(f) => match f.on_path {
                        Some(i) if i < self.shape.path.len() && f.key_matches => Some(i + 1),
                        _ => None,
                    },
                };
                let sink = self.sink();
                self.put(sink, &[b])?;
                self.stack.push(Frame {
                    object: b == b'{',
                    expect: Expect::First,
                    on_path,
                    key_matches: false,
                });
            }
            b'}' | b']' => {
                let fits = self.stack.last().is_some_and(|f| {
                    f.object == (b == b'}')
                        && matches!(f.expect, Expect::First | Expect::CommaOrClose)
                });
                if !fits {
                    return Err(self.not_json());
                }
                // The close of an entry's container is the entry's; any other
                // close (the list's own included) is the frame's.
                let sink = match self.entry_at {
                    Some(_) if self.oversized => Sink::Drop,
                    Some(_) => Sink::Entry,
                    None => Sink::Frame,
                };
                self.put(sink, &[b])?;
                self.stack.pop();
                self.value_ended()?;
            }
            b',' | b':' => {
                let Some(f) = self.stack.last_mut() else {
                    return Err(self.not_json());
                };
                match (b, f.object, f.expect) {
                    (b',', _, Expect::CommaOrClose) => f.expect = Expect::Item,
                    (b':', true, Expect::Colon) => f.expect = Expect::Value,
                    _ => return Err(self.not_json()),
                }
                let sink = self.sink();
                self.put(sink, &[b])?;
            }
            b'"' => {
                let key = self
                    .stack
                    .last()
                    .is_some_and(|f| f.object && matches!(f.expect, Expect::First | Expect::Item));
                if !key {
                    self.value_starts()?;
                }
                self.key.clear();
                let sink = self.sink();
                self.put(sink, &[b])?;
                self.lexer = Lexer::Str {
                    escaped: false,
                    key,
                    sink,
                };
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                self.value_starts()?;
                let sink = self.sink();
                self.put(sink, &[b])?;
                self.lexer = Lexer::Scalar { sink };
            }
            _ => return Err(self.not_json()),
        }
        Ok(())
    }

    /// Reads `chunk` inside a string; returns how many bytes it used.
    fn string(
        &mut self,
        chunk: &[u8],
        mut escaped: bool,
        key: bool,
        sink: Sink,
    ) -> Result<usize, MarketError> {
        let mut end = None;
        let mut i = 0;
        while i < chunk.len() {
            if escaped {
                escaped = false;
                i += 1;
                continue;
            }
            match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                None => i = chunk.len(),
                Some(at) if chunk[i + at] == b'\\' => {
                    escaped = true;
                    i += at + 1;
                }
                Some(at) => {
                    end = Some(i + at);
                    break;
                }
            }
        }
        let text_len = end.unwrap_or(chunk.len());
        let used = end.map_or(chunk.len(), |e| e + 1);
        self.put(sink, &chunk[..used])?;
        if key && self.key.len() <= 64 {
            let take = text_len.min(65 - self.key.len());
            self.key.extend_from_slice(&chunk[..take]);
        }
        match end {
            None => self.lexer = Lexer::Str { escaped, key, sink },
            Some(_) => {
                self.lexer = Lexer::Between;
                if key {
                    let matches = self.key_is_next_on_path();
                    if let Some(f) = self.stack.last_mut() {
                        f.key_matches = matches;
                        f.expect = Expect::Colon;
                    }
                } else {
                    self.value_ended()?;
                }
            }
        }
        Ok(used)
    }

    /// Whether the key just read is the next key of the path, from the
    /// container it was read in.
    fn key_is_next_on_path(&self) -> bool {
        let Some(i) = self.stack.last().and_then(|f| f.on_path) else {
            return false;
        };
        let Some(want) = self.shape.path.get(i) else {
            return false;
        };
        if self.key.len() > 64 {
            return false;
        }
        if !self.key.contains(&b'\\') {
            return self.key == want.as_bytes();
        }
        let quoted = [&b"\""[..], &self.key, b"\""].concat();
        serde_json::from_slice::<String>(&quoted).is_ok_and(|k| k == *want)
    }
}

/// A byte that continues a number or a literal; anything else ends it (and
/// serde_json then judges what was read).
fn is_scalar_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::PairState;

    /// `body` read in chunks of `size` bytes.
    fn chunked(exchange: Exchange, body: &[u8], size: usize) -> Result<Vec<Pair>, MarketError> {
        let mut reader = exchange.reader(0);
        for chunk in body.chunks(size) {
            reader.feed(chunk)?;
        }
        reader.finish()
    }

    #[test]
    fn any_split_of_the_answer_reads_the_same() {
        let body = br#"{"error":[],"result":{
            "XXBTZUSD":{"wsname":"XBT\/USD","base":"XXBT","quote":"ZUSD","status":"online","fees":[[0,0.26],[50000,0.24]]},
            "NIL\"USD":{"wsname":"NIL/USD","status":"online","note":"a \\\" } ] { [ , : inside"},
            "PRCLEUR":{"wsname":"PRCL/EUR","status":"cancel_only"}
        }}"#;
        let whole = Exchange::Kraken.parse(body, 0).unwrap();
        assert_eq!(whole.len(), 3);
        assert_eq!(whole[1].base, "NIL");
        for size in 1..=body.len() {
            assert_eq!(
                chunked(Exchange::Kraken, body, size).unwrap(),
                whole,
                "{size}"
            );
        }
    }

    #[test]
    fn the_list_is_found_by_its_path_only() {
        // A "list" inside an entry, or under another key, is not the list.
        let body = br#"{"retCode":0,"other":{"list":[{"baseCoin":"NO","quoteCoin":"USDT","status":"Trading"}]},
            "result":{"category":"spot","list":[
                {"baseCoin":"NIL","quoteCoin":"USDT","status":"Trading","list":[{"baseCoin":"NOT"}]}
            ]}}"#;
        let pairs = Exchange::Bybit.parse(body, 0).unwrap();
        assert_eq!(
            pairs,
            [Pair {
                base: "NIL".into(),
                quote: "USDT".into(),
                state: PairState::Trading
            }]
        );
        // A key written with escapes is the same key.
        let body =
            br#"{"\u0073ymbols":[{"baseAsset":"NIL","quoteAsset":"USDT","status":"TRADING"}]}"#;
        assert_eq!(Exchange::Binance.parse(body, 0).unwrap().len(), 1);
    }

    #[test]
    fn broken_structure_is_refused_where_it_breaks() {
        for body in [
            &br#"[{"base":"A","quote":"B"} {"base":"C","quote":"D"}]"#[..],
            br#"[{"base":"A","quote":"B"},]"#,
            br#"[{"base":"A","quote":"B"}}"#,
            br#"[{"base":"A" "quote":"B"}]"#,
            br#"[{"base":"A","quote":"B"}] x"#,
            br#"[{"base":"A","quote":"B"},{"base":tru}]"#,
            b"\xef\xbb\xbf[]",
        ] {
            let err = Exchange::Gate.parse(body, 0).unwrap_err();
            assert_eq!(
                err,
                MarketError::Malformed("Gate's list is not JSON".into()),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let err = Exchange::Gate
            .parse(br#"[{"base":"A","quote":"B"}"#, 0)
            .unwrap_err();
        assert_eq!(err, MarketError::Malformed("Gate's list is cut off".into()));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(Exchange::Gate.parse(deep.as_bytes(), 0).is_err());
    }

    #[test]
    fn an_oversized_entry_is_skipped_and_never_held() {
        let big = "x".repeat(MAX_ENTRY);
        let body = format!(
            r#"[{{"base":"BIG","quote":"USDT","trade_status":"tradable","pad":"{big}"}},
                {{"base":"NIL","quote":"USDT","trade_status":"tradable"}}]"#
        );
        let mut reader = Exchange::Gate.reader(0);
        for chunk in body.as_bytes().chunks(8 * 1024) {
            reader.feed(chunk).unwrap();
            assert!(
                reader.entry.capacity() <= MAX_ENTRY,
                "{}",
                reader.entry.capacity()
            );
        }
        let pairs = reader.finish().unwrap();
        let bases: Vec<&str> = pairs.iter().map(|p| p.base.as_str()).collect();
        assert_eq!(bases, ["NIL"]);
    }

    #[test]
    fn a_large_frame_is_refused_with_its_reason() {
        let body = format!(
            r#"{{"code":"0","padding":"{}","data":[]}}"#,
            "x".repeat(MAX_FRAME)
        );
        let err = Exchange::Okx.parse(body.as_bytes(), 0).unwrap_err();
        assert_eq!(
            err,
            MarketError::Malformed(
                "OKX's list is not an object with data: more than 64 KiB outside its entries"
                    .into()
            )
        );
    }

    #[test]
    fn only_one_entry_is_held_at_a_time() {
        let entry =
            r#"{"baseAsset":"NIL","quoteAsset":"USDT","status":"TRADING","filters":[1,2,3]}"#;
        let body = format!(r#"{{"symbols":[{}]}}"#, vec![entry; 5_000].join(","));
        let mut reader = Exchange::Binance.reader(0);
        for chunk in body.as_bytes().chunks(4096) {
            reader.feed(chunk).unwrap();
            assert!(reader.frame.len() < 64, "{}", reader.frame.len());
            assert!(reader.entry.capacity() <= 4 * 1024);
        }
        assert_eq!(reader.finish().unwrap().len(), 5_000);
    }
}
