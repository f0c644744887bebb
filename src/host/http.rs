//! The probes' HTTP client: one HTTP/1.1 `GET` over a plain [`TcpStream`],
//! with connect, read and overall time limits (a hung gateway costs at most
//! about a second) and a bound on the answer's size. A plain socket to the
//! address given: no proxy from the environment, no redirect, no pool.
//!
//! Why not a crate (ureq 3, the small blocking client, was tried): a probe
//! is one GET to a loopback address, and every default of a general client
//! has to be turned off for it: ureq reads `http_proxy`/`ALL_PROXY` from
//! the environment (a probe of 127.0.0.1 through a proxy tests the proxy),
//! follows redirects, treats 4xx/5xx as errors (the body of a 503
//! `/readyz` is the answer) and pools connections; a later default would
//! change probes silently. It would bring ten crates (ureq-proto, http,
//! httparse, bytes, base64, ...) for what is here under 200 lines, tested
//! below on the answers a gateway gives (length, chunked, to EOF) and on
//! what else may hold a port (not HTTP, nothing, silence, too much).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Connect and read time limit of one probe step. A request takes at most
/// three times this, and `status` retries a timed-out `/healthz` once, so a
/// gateway that does not answer within about 3 s is reported unhealthy.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Largest answer a probe reads.
const MAX_RESPONSE: usize = 64 * 1024;

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Body, decoded from chunked encoding if need be.
    pub body: String,
}

/// Why a probe got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ProbeError {
    /// Nothing listens on the port.
    #[error("connection refused")]
    Refused,
    /// Connecting or reading took longer than allowed.
    #[error("timed out")]
    TimedOut,
    /// Anything else: a reset, an answer that is not HTTP.
    #[error("{0}")]
    Failed(String),
}

fn classify(e: &io::Error) -> ProbeError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => ProbeError::Refused,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ProbeError::TimedOut,
        _ => ProbeError::Failed(e.to_string()),
    }
}

/// `GET path` on `addr` with HTTP/1.1 and `Connection: close`. Connecting
/// and each read are limited to `timeout`, the whole exchange to three times it.
pub fn http_get(
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
) -> Result<HttpResponse, ProbeError> {
    let deadline = Instant::now() + timeout * 3;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| classify(&e))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| classify(&e))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: ocgen\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| classify(&e))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if Instant::now() > deadline {
            return Err(ProbeError::TimedOut);
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_RESPONSE {
                    return Err(ProbeError::Failed(format!(
                        "answer larger than {MAX_RESPONSE} bytes"
                    )));
                }
                if !matches!(parse_response(&buf), Ok(None)) {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(classify(&e)),
        }
    }
    match parse_response(&buf) {
        Ok(Some(r)) => Ok(r),
        Ok(None) if buf.is_empty() => Err(ProbeError::Failed(
            "connection closed without an answer".into(),
        )),
        Ok(None) => match parse_until_eof(&buf) {
            Some(r) => Ok(r),
            None => Err(ProbeError::Failed("incomplete HTTP answer".into())),
        },
        Err(why) => Err(ProbeError::Failed(why)),
    }
}

/// The head of an answer: status code, headers (names lowercased), and
/// where the body starts.
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    body_start: usize,
}

fn split_head(buf: &[u8]) -> Result<Option<Head>, String> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|c| c.parse::<u16>().ok());
    let (true, Some(status)) = (version.starts_with("HTTP/1."), status) else {
        return Err(format!(
            "not an HTTP answer: `{}`",
            status_line
                .chars()
                .take(60)
                .collect::<String>()
                .escape_debug()
        ));
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Some(Head {
        status,
        headers,
        body_start: end + 4,
    }))
}

/// A complete answer from `buf`, `None` while more bytes are needed.
fn parse_response(buf: &[u8]) -> Result<Option<HttpResponse>, String> {
    let Some(Head {
        status,
        headers,
        body_start: start,
    }) = split_head(buf)?
    else {
        return Ok(None);
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let body = &buf[start..];
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return Ok(decode_chunked(body)?.map(|b| HttpResponse {
            status,
            body: String::from_utf8_lossy(&b).into_owned(),
        }));
    }
    if let Some(len) = header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad Content-Length `{}`", len.escape_debug()))?;
        return Ok((body.len() >= len).then(|| HttpResponse {
            status,
            body: String::from_utf8_lossy(&body[..len]).into_owned(),
        }));
    }
    Ok(None)
}

/// An answer without length or chunking ends where the connection closed.
fn parse_until_eof(buf: &[u8]) -> Option<HttpResponse> {
    let head = split_head(buf).ok()??;
    Some(HttpResponse {
        status: head.status,
        body: String::from_utf8_lossy(&buf[head.body_start..]).into_owned(),
    })
}

/// Decodes a chunked body; `None` until the last chunk has arrived.
fn decode_chunked(mut body: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size `{}`", size_hex.escape_debug()))?;
        body = &body[eol + 2..];
        if size == 0 {
            return Ok(Some(out));
        }
        if body.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PROBE_ADDR;
    use std::net::TcpListener;

    /// A one-shot HTTP server on 127.0.0.1: answers the first request with
    /// `answer`, then closes. Returns its address and the thread.
    fn serve_once(answer: &'static [u8]) -> (SocketAddr, std::thread::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut req = Vec::new();
            let mut b = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut b).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&b[..n]);
            }
            // The client may hang up first (an answer too large).
            let _ = s.write_all(answer);
            String::from_utf8_lossy(&req).into_owned()
        });
        (addr, h)
    }

    #[test]
    fn probe_reads_a_content_length_answer_and_sends_a_minimal_request() {
        let (addr, h) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{\"ok\":true,\"status\":\"live\"}\n",
        );
        let r = http_get(addr, "/healthz", PROBE_TIMEOUT).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "{\"ok\":true,\"status\":\"live\"}\n");
        let req = h.join().unwrap();
        assert!(req.starts_with("GET /healthz HTTP/1.1\r\n"), "{req}");
        assert!(req.contains(&format!("Host: {addr}\r\n")), "{req}");
        assert!(req.contains("Connection: close\r\n"), "{req}");
    }

    #[test]
    fn probe_decodes_chunked_answers() {
        let (addr, h) = serve_once(
            b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{\"ready\":\r\nb;ext=1\r\nfalse,\"x\":1\r\n1\r\n}\r\n0\r\n\r\n",
        );
        let r = http_get(addr, "/readyz", PROBE_TIMEOUT).unwrap();
        h.join().unwrap();
        assert_eq!(r.status, 503);
        assert_eq!(r.body, "{\"ready\":false,\"x\":1}");
    }

    #[test]
    fn probe_reads_to_eof_without_a_length() {
        let (addr, h) = serve_once(b"HTTP/1.0 200 OK\r\n\r\n{\"ok\":true}");
        let r = http_get(addr, "/healthz", PROBE_TIMEOUT).unwrap();
        h.join().unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "{\"ok\":true}"));
    }

    #[test]
    fn probe_rejects_what_is_not_http() {
        let (addr, h) = serve_once(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        let e = http_get(addr, "/healthz", PROBE_TIMEOUT).unwrap_err();
        h.join().unwrap();
        assert!(
            matches!(e, ProbeError::Failed(ref m) if m.contains("not an HTTP answer")),
            "{e:?}"
        );
    }

    #[test]
    fn probe_reads_no_more_than_its_bound() {
        let mut answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            2 * MAX_RESPONSE
        )
        .into_bytes();
        answer.resize(answer.len() + 2 * MAX_RESPONSE, b'x');
        let (addr, h) = serve_once(answer.leak());
        let e = http_get(addr, "/healthz", PROBE_TIMEOUT).unwrap_err();
        h.join().unwrap();
        assert_eq!(
            e,
            ProbeError::Failed(format!("answer larger than {MAX_RESPONSE} bytes"))
        );
    }

    #[test]
    fn probe_of_a_closed_port_is_refused() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = http_get(
            SocketAddr::from((PROBE_ADDR, port)),
            "/healthz",
            PROBE_TIMEOUT,
        );
        assert_eq!(e, Err(ProbeError::Refused));
    }

    #[test]
    fn probe_of_a_silent_server_times_out_quickly() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let t = Instant::now();
        // The listener accepts (the kernel does) but never answers.
        let e = http_get(addr, "/healthz", Duration::from_millis(200));
        assert_eq!(e, Err(ProbeError::TimedOut));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        drop(l);
    }
}
