//! What every HTTP client of prelist shares (CoinGecko's and the exchanges'):
//! base URLs checked and shown without secrets, one way to build a client
//! (rustls, timeouts, no redirects), a capped streaming read, and our own
//! words for every failure, so that no URL reaches the screen.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use super::MarketError;

/// A base URL, checked: http or https with a host, no credentials and no
/// query (a query would be lost or mangled when a path is appended, and
/// credentials belong in headers). `key_hint` ends the message about them:
/// where a key goes instead, if the API takes one.
pub fn parse_base(base: &str, key_hint: &str) -> Result<Url, MarketError> {
    let shown = redact_url(base);
    let url = Url::parse(base.trim()).map_err(|e| MarketError::BadUrl(format!("{shown}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(MarketError::BadUrl(format!("{shown}: not an http(s) URL")));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(MarketError::BadUrl(format!(
            "the URL may not hold credentials or a query{key_hint}"
        )));
    }
    Ok(url)
}

/// Whether `url` points at this machine: 127.0.0.0/8, ::1 or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// `url` as it may be shown: credentials before the host hidden
/// (`https://user:pass@host/…` → `https://***@host/…`), and every value of
/// its query and fragment (`?x_cg_demo_api_key=abc` →
/// `?x_cg_demo_api_key=***`; a part without `=` is hidden whole). It works
/// on the text, so a URL that does not parse, the kind an error message
/// quotes, is redacted too.
pub fn redact_url(url: &str) -> String {
    let (rest, fragment) = match url.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (url, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let authority_at = rest.find("://").map_or(0, |i| i + 3);
    let authority_len = rest[authority_at..]
        .find('/')
        .unwrap_or(rest.len() - authority_at);
    let authority = &rest[authority_at..authority_at + authority_len];
    let mut out = String::with_capacity(url.len());
    out.push_str(&rest[..authority_at]);
    match authority.rfind('@') {
        Some(at) => {
            out.push_str("***");
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    out.push_str(&rest[authority_at + authority_len..]);
    for (mark, pairs) in [('?', query), ('#', fragment)] {
        let Some(pairs) = pairs else { continue };
        out.push(mark);
        let hidden: Vec<String> = pairs
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{name}=***"),
                None if pair.is_empty() => String::new(),
                None => "***".to_string(),
            })
            .collect();
        out.push_str(&hidden.join("&"));
    }
    out
}

/// A client with prelist's user agent, the given timeouts and headers, and
/// no redirects: a redirect could carry a key's header to another host, or
/// lead a loopback-only URL off the machine.
pub fn client(
    connect: Duration,
    request: Duration,
    headers: HeaderMap,
) -> Result<reqwest::Client, MarketError> {
    reqwest::Client::builder()
        .connect_timeout(connect)
        .timeout(request)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("prelist/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .build()
        .map_err(|_| MarketError::Network)
}

/// GETs `url` and returns its body, refusing one over `max` bytes as it
/// streams in (the Content-Length is not trusted). A status in
/// `rate_limits` is a rate limit, with the wait its `Retry-After` asks.
pub async fn get_capped(
    client: &reqwest::Client,
    url: Url,
    max: usize,
    rate_limits: &[StatusCode],
) -> Result<Vec<u8>, MarketError> {
    get_capped_with(client, url, max, rate_limits, |_| {}).await
}

/// [`get_capped`], showing the answer's headers to `headers` first (for a
/// rate-limit count the API sends beside its answer).
pub async fn get_capped_with(
    client: &reqwest::Client,
    url: Url,
    max: usize,
    rate_limits: &[StatusCode],
    headers: impl FnOnce(&reqwest::header::HeaderMap),
) -> Result<Vec<u8>, MarketError> {
    let resp = answer(client, url, rate_limits).await?;
    headers(resp.headers());
    body_capped(resp, max).await
}

/// The whole body of `resp`, refused past `max` bytes.
async fn body_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, MarketError> {
    let mut body = Vec::new();
    read_capped(&mut resp, max, |chunk| {
        body.extend_from_slice(chunk);
        Ok(())
    })
    .await?;
    Ok(body)
}

/// GETs `url` and hands its body to `sink` chunk by chunk as it streams in,
/// decompressed, refusing it at `max` bytes: nothing of it is held here.
/// Returns the body's size. A status in `rate_limits` is a rate limit, as
/// for [`get_capped`]; an error from `sink` ends the read.
pub async fn get_streamed(
    client: &reqwest::Client,
    url: Url,
    max: usize,
    rate_limits: &[StatusCode],
    sink: impl FnMut(&[u8]) -> Result<(), MarketError>,
) -> Result<usize, MarketError> {
    let mut resp = answer(client, url, rate_limits).await?;
    read_capped(&mut resp, max, sink).await
}

/// POSTs `json` (a JSON body) to `url` and returns the answer's body, as
/// [`get_capped`] does for a GET.
pub async fn post_capped(
    client: &reqwest::Client,
    url: Url,
    json: &'static str,
    max: usize,
    rate_limits: &[StatusCode],
) -> Result<Vec<u8>, MarketError> {
    let request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(json);
    body_capped(checked(request, rate_limits).await?, max).await
}

/// The answer to a GET of `url`, once its status says a body follows.
async fn answer(
    client: &reqwest::Client,
    url: Url,
    rate_limits: &[StatusCode],
) -> Result<reqwest::Response, MarketError> {
    checked(client.get(url), rate_limits).await
}

/// The answer to `request`, once its status says a body follows: a status
/// in `rate_limits` is a rate limit with the wait its `Retry-After` asks,
/// any other failure a status error.
async fn checked(
    request: reqwest::RequestBuilder,
    rate_limits: &[StatusCode],
) -> Result<reqwest::Response, MarketError> {
    let resp = request.send().await.map_err(from_reqwest)?;
    let status = resp.status();
    if rate_limits.contains(&status) {
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
        return Err(MarketError::RateLimited { retry_after });
    }
    if !status.is_success() {
        return Err(MarketError::Status {
            status: status.as_u16(),
        });
    }
    Ok(resp)
}

/// A body read a chunk at a time: an HTTP answer (decompressed as it
/// arrives), or a test's stand-in for one.
pub trait Chunks {
    type Chunk: AsRef<[u8]>;
    /// The next chunk, `None` at the end.
    fn next_chunk(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<Self::Chunk>, MarketError>>;
}

impl Chunks for reqwest::Response {
    type Chunk = bytes::Bytes;
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, MarketError> {
        self.chunk().await.map_err(from_reqwest)
    }
}

/// Hands `body` to `sink` chunk by chunk, and refuses it as soon as it
/// passes `max` bytes: the chunk that would pass the cap is not handed
/// over, and nothing more is asked of `body`, so a small compressed answer
/// that unpacks to gigabytes is stopped at the cap, never unpacked whole.
/// Returns the body's size.
pub async fn read_capped<B: Chunks>(
    body: &mut B,
    max: usize,
    mut sink: impl FnMut(&[u8]) -> Result<(), MarketError>,
) -> Result<usize, MarketError> {
    let mut read = 0usize;
    while let Some(chunk) = body.next_chunk().await? {
        let chunk = chunk.as_ref();
        if read + chunk.len() > max {
            return Err(MarketError::TooLarge { max });
        }
        read += chunk.len();
        sink(chunk)?;
    }
    Ok(read)
}

/// `Retry-After` as seconds or an HTTP date, as asked: the poller decides
/// how long it actually waits (see `poller::rate_limit_wait`), and says so
/// when it waits less than asked.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
        let secs = at.as_second() - now.as_second();
        Duration::from_secs(secs.max(0) as u64)
    };
    Some(wait)
}

/// Our own description of a transport failure: reqwest's messages can carry
/// the URL, and nothing about the request should reach the screen but this.
pub fn from_reqwest(e: reqwest::Error) -> MarketError {
    if e.is_timeout() {
        MarketError::Timeout
    } else if e.is_connect() {
        MarketError::Connect
    } else if e.is_decode() || e.is_body() {
        MarketError::Malformed("the answer was cut off or unreadable".into())
    } else {
        MarketError::Network
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gzip answer unpacked as reqwest does, a chunk at a time, counting
    /// what it has unpacked.
    struct Unpacking {
        decoder: flate2::read::GzDecoder<std::io::Cursor<Vec<u8>>>,
        unpacked: usize,
    }

    const CHUNK: usize = 8 * 1024;

    impl Chunks for Unpacking {
        type Chunk = Vec<u8>;
        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, MarketError> {
            use std::io::Read;
            let mut chunk = vec![0; CHUNK];
            let n = self
                .decoder
                .read(&mut chunk)
                .map_err(|_| MarketError::Network)?;
            self.unpacked += n;
            chunk.truncate(n);
            Ok((n > 0).then_some(chunk))
        }
    }

    /// `size` bytes of JSON (an empty list, then spaces), gzip.
    fn bomb(size: usize) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(b"[]").unwrap();
        let spaces = vec![b' '; 1024 * 1024];
        for _ in 0..size / spaces.len() {
            z.write_all(&spaces).unwrap();
        }
        z.finish().unwrap()
    }

    #[tokio::test]
    async fn a_compressed_bomb_is_stopped_at_the_cap_and_never_unpacked_whole() {
        let max = 1024 * 1024;
        let packed = bomb(64 * 1024 * 1024);
        assert!(
            packed.len() < max / 4,
            "small on the wire: {}",
            packed.len()
        );
        let mut body = Unpacking {
            decoder: flate2::read::GzDecoder::new(std::io::Cursor::new(packed)),
            unpacked: 0,
        };
        let mut handed = 0;
        let mut held = 0;
        let outcome = read_capped(&mut body, max, |chunk| {
            handed += chunk.len();
            held = held.max(chunk.len());
            Ok(())
        })
        .await;
        assert_eq!(outcome, Err(MarketError::TooLarge { max }));
        assert!(handed <= max, "{handed}");
        assert!(held <= CHUNK, "one chunk at a time: {held}");
        // Unpacking stopped within a chunk of the cap: the other 63 MiB
        // were never unpacked.
        assert!(body.unpacked <= max + CHUNK, "{}", body.unpacked);
    }

    #[tokio::test]
    async fn a_body_at_the_cap_is_read_whole_and_an_error_of_the_reader_ends_it() {
        let packed = bomb(2 * 1024 * 1024);
        let mut body = Unpacking {
            decoder: flate2::read::GzDecoder::new(std::io::Cursor::new(packed.clone())),
            unpacked: 0,
        };
        let size = 2 + 2 * 1024 * 1024;
        assert_eq!(read_capped(&mut body, size, |_| Ok(())).await, Ok(size));
        let mut body = Unpacking {
            decoder: flate2::read::GzDecoder::new(std::io::Cursor::new(packed)),
            unpacked: 0,
        };
        let refused = MarketError::Malformed("no".into());
        let outcome = read_capped(&mut body, size, |_| Err(refused.clone())).await;
        assert_eq!(outcome, Err(refused));
        assert_eq!(body.unpacked, CHUNK, "nothing read past the refusal");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("99999", now),
            Some(Duration::from_secs(99999)),
            "as asked: the poller caps it, and says so"
        );
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn secrets_in_a_url_are_redacted() {
        for (url, shown) in [
            ("https://user:pass@host/api/v3", "https://***@host/api/v3"),
            ("https://tok@host", "https://***@host"),
            (
                "https://host/api?x_cg_demo_api_key=abc&b=2",
                "https://host/api?x_cg_demo_api_key=***&b=***",
            ),
            (
                "http://u:p@h:8080/x?k=v#access_token=t",
                "http://***@h:8080/x?k=***#access_token=***",
            ),
            ("https://host/x?sekrit", "https://host/x?***"),
            ("u:p@host/a@b", "***@host/a@b"),
            ("ftp://a:b@c/", "ftp://***@c/"),
            (
                "https://api.coingecko.com/api/v3",
                "https://api.coingecko.com/api/v3",
            ),
            ("", ""),
            ("?", "?"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn loopback_is_this_machine_only() {
        for (url, local) in [
            ("http://127.0.0.1:9/", true),
            ("http://127.3.4.5/", true),
            ("http://[::1]:80/", true),
            ("http://LOCALHOST:8080", true),
            ("http://localhost.example.com/", false),
            ("http://10.0.0.1/", false),
            ("http://[::2]/", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(url).unwrap()), local, "{url}");
        }
    }
}
