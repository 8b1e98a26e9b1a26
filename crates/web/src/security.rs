//! What every response carries for the browser's protection, who the client really is behind
//! a proxy, and where a "come back to" address may lead.
//!
//! The threat model is in `docs/SECURITY.md`.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::IpAddr;

/// Settings an operator gives the server (see the README's configuration table).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Addresses of reverse proxies (nginx) whose `X-Forwarded-For` is believed. Anyone else
    /// could write that header, so from any other peer it is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// The address people use, such as `https://cx.example.gov.cn`. When it is https, cookies
    /// are marked `Secure` and browsers are told to keep to https.
    pub public_url: Option<String>,
}

impl Settings {
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy, in which case
    /// the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map_while(|part| part.trim().parse::<IpAddr>().ok())
            .collect();
        // Read from the right: the last hop was added by our proxy; anything further left
        // was written by the client and is believed only through proxies we trust.
        forwarded
            .iter()
            .rev()
            .find(|a| !self.trusted_proxies.contains(a))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer)
    }
}

/// Parses a comma-separated list of proxy addresses (`127.0.0.1, ::1`).
pub fn parse_addresses(list: &str) -> Result<Vec<IpAddr>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpAddr>()
                .map_err(|_| format!("{s:?} is not an IP address"))
        })
        .collect()
}

/// The Content-Security-Policy of every page: scripts and styles only from this site's own
/// files (no inline script runs, whatever a stored text holds), pictures from this site or
/// `data:` (QR codes), no plugins, no framing by other sites, forms posting only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Adds the protective headers to every response, and `Secure` to every cookie when the site
/// is served over https.
pub async fn headers(
    axum::extract::State(settings): axum::extract::State<std::sync::Arc<Settings>>,
    req: Request,
    next: Next,
) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Judges' login-card addresses carry a token: never send paths to another site.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if settings.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|c| {
                let text = c.to_str().unwrap_or_default();
                if text.to_ascii_lowercase().contains("; secure") {
                    c.clone()
                } else {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| c.clone())
                }
            })
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
    }
    response
}

/// Where to go after logging in: `next` when it is a path on this site, else `/me`.
///
/// Browsers forgive a lot in a `Location`: they drop tabs and newlines, read `\` as `/`, and
/// take `//host` or `/\host` as another site. So a target is accepted only when it is plainly
/// a path: it starts with one `/` followed by something other than `/` or `\`, holds no
/// backslash, whitespace or control character anywhere, and is of sane length. Characters
/// beyond ASCII (a Chinese search term) are percent-encoded so the header stays valid.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/me";
    let Some(n) = next else {
        return HOME.to_owned();
    };
    let bytes = n.as_bytes();
    let plain_path = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'))
        && n.len() <= 2000
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if !plain_path {
        return HOME.to_owned();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_that_a_browser_would_take_to_another_site_goes_home() {
        for hostile in [
            "//evil.example/x",
            "/\\evil.example/x",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\\/evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            " /me",
            "/ /evil.example",
            "/x\\y",
            "/\u{0}",
            "/\u{85}/evil.example",
            "/\u{3000}/evil.example",
            "",
            "me",
            "%2F%2Fevil.example",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/me", "{hostile:?}");
        }
        assert_eq!(safe_next(None), "/me");
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), "/me");
    }

    #[test]
    fn a_path_on_this_site_is_kept_and_non_ascii_is_encoded() {
        assert_eq!(safe_next(Some("/ideas?community=3")), "/ideas?community=3");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(
            safe_next(Some("/%2F%2Fx")),
            "/%2F%2Fx",
            "an encoded slash is a path"
        );
        assert_eq!(
            safe_next(Some("/ideas?q=垃圾")),
            "/ideas?q=%E5%9E%83%E5%9C%BE"
        );
        for kept in ["/me", "/rounds/3/judge", "/ideas?q=%E5%9E%83"] {
            assert!(HeaderValue::from_str(&safe_next(Some(kept))).is_ok());
        }
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
        let nginx: IpAddr = "127.0.0.1".parse().expect("ip");
        let settings = Settings {
            trusted_proxies: vec![nginx],
            public_url: None,
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        assert_eq!(
            settings.client_address(nginx, &headers),
            "203.0.113.9".parse::<IpAddr>().expect("ip"),
            "the address our proxy saw, not what the client wrote before it"
        );
        let stranger: IpAddr = "198.51.100.1".parse().expect("ip");
        assert_eq!(settings.client_address(stranger, &headers), stranger);
        assert_eq!(settings.client_address(nginx, &HeaderMap::new()), nginx);
        headers.insert("x-forwarded-for", HeaderValue::from_static("junk"));
        assert_eq!(settings.client_address(nginx, &headers), nginx);
    }

    #[test]
    fn proxy_lists_parse_and_typos_are_reported() {
        assert_eq!(parse_addresses("127.0.0.1, ::1").expect("parses").len(), 2);
        assert!(parse_addresses("127.0.0.1, nginx").is_err());
        assert!(parse_addresses("").expect("empty is fine").is_empty());
    }
}
