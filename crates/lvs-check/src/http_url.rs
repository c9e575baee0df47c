//! The few URL operations an http check needs: the URL the legacy builds
//! from `request`, and the targets of the redirects LWP follows.

use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub tls: bool,
    /// As written in the URL (`host[:port]`, IPv6 in brackets): LWP's Host
    /// header once a redirect has dropped the configured one.
    pub authority: String,
    /// The host without brackets: for DNS, an IP literal, or SNI.
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`; never the fragment.
    pub path: String,
}

impl Url {
    /// The legacy's URL for a real: `scheme://real:port/request` with one
    /// leading `/` of `request` removed, or `request` itself when it is an
    /// absolute URL of the check's own scheme.
    pub fn for_real(tls: bool, target: SocketAddr, request: &str) -> Url {
        let rest = request.strip_prefix('/').unwrap_or(request);
        let scheme = if tls { "https://" } else { "http://" };
        if rest.starts_with(scheme) {
            if let Some(url) = Url::parse(rest) {
                return url;
            }
        }
        let host = target.ip().to_string();
        let authority = match target {
            SocketAddr::V4(_) => format!("{host}:{}", target.port()),
            SocketAddr::V6(_) => format!("[{host}]:{}", target.port()),
        };
        Url {
            tls,
            authority,
            host,
            port: target.port(),
            path: without_fragment(&format!("/{rest}")),
        }
    }

    /// An absolute http or https URL.
    pub fn parse(s: &str) -> Option<Url> {
        let (tls, rest) = if let Some(r) = strip_prefix_ignore_case(s, "https://") {
            (true, r)
        } else {
            (false, strip_prefix_ignore_case(s, "http://")?)
        };
        let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        // Credentials are never sent; the host is what follows them.
        let hostport = authority.rsplit('@').next().unwrap_or(authority);
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']')?;
            (host, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        let port = match port {
            None | Some("") => default_port,
            Some(p) => p.parse().ok()?,
        };
        if host.is_empty() {
            return None;
        }
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        Some(Url {
            tls,
            authority: hostport.to_string(),
            host: host.to_string(),
            port,
            path: without_fragment(&path),
        })
    }

    /// The URL a `Location` header points to, relative to this one.
    pub fn join(&self, location: &str) -> Option<Url> {
        let location = location.trim();
        if let Some(url) = Url::parse(location) {
            return Some(url);
        }
        if location.contains("://") {
            return None; // another scheme: LWP does not follow it either
        }
        if let Some(rest) = location.strip_prefix("//") {
            let scheme = if self.tls { "https://" } else { "http://" };
            return Url::parse(&format!("{scheme}{rest}"));
        }
        let path = if location.starts_with('/') {
            location.to_string()
        } else if location.starts_with('?') {
            let base = self.path.split('?').next().unwrap_or("/");
            format!("{base}{location}")
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = base.rsplit_once('/').map_or("", |(d, _)| d);
            format!("{dir}/{location}")
        };
        Some(Url {
            path: without_fragment(&path),
            ..self.clone()
        })
    }

    /// The address when the host is an IP literal (else DNS is needed).
    pub fn literal_addr(&self) -> Option<SocketAddr> {
        let ip: IpAddr = self.host.parse().ok()?;
        Some(SocketAddr::new(ip, self.port))
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

fn without_fragment(path: &str) -> String {
    path.split('#').next().unwrap_or("/").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real() -> SocketAddr {
        "192.0.2.7:8080".parse().unwrap()
    }

    #[test]
    fn the_legacy_url_of_a_real() {
        let u = Url::for_real(false, real(), "/test.html");
        assert_eq!(
            (u.authority.as_str(), u.path.as_str()),
            ("192.0.2.7:8080", "/test.html")
        );
        assert_eq!(Url::for_real(false, real(), "test.html").path, "/test.html");
        // One leading slash is removed, as the legacy's s/^\///.
        assert_eq!(Url::for_real(false, real(), "//x").path, "//x");
        let v6 = Url::for_real(true, "[::1]:443".parse().unwrap(), "/");
        assert_eq!(
            (v6.authority.as_str(), v6.host.as_str()),
            ("[::1]:443", "::1")
        );
        let abs = Url::for_real(false, real(), "/http://example.com/health");
        assert_eq!(
            (abs.host.as_str(), abs.port, abs.path.as_str()),
            ("example.com", 80, "/health")
        );
        // Another scheme's URL is a path, as in the legacy.
        assert_eq!(Url::for_real(true, real(), "/http://x/").path, "/http://x/");
    }

    #[test]
    fn parse_absolute_urls() {
        let u = Url::parse("HTTPS://user:pw@[2001:db8::1]:8443/a?b#c").unwrap();
        assert!(u.tls);
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("2001:db8::1", 8443, "/a?b")
        );
        assert_eq!(u.authority, "[2001:db8::1]:8443");
        assert_eq!(Url::parse("http://h").unwrap().path, "/");
        assert_eq!(Url::parse("http://h?q").unwrap().path, "/?q");
        assert!(Url::parse("ftp://h/").is_none());
        assert!(Url::parse("http://h:99999/").is_none());
        assert!(Url::parse("http://:80/").is_none());
    }

    #[test]
    fn join_locations() {
        let base = Url::parse("http://h:81/dir/page?x").unwrap();
        assert_eq!(base.join("/abs").unwrap().path, "/abs");
        assert_eq!(base.join("other").unwrap().path, "/dir/other");
        assert_eq!(base.join("?y").unwrap().path, "/dir/page?y");
        let moved = base.join("https://k/z").unwrap();
        assert!(moved.tls && moved.host == "k" && moved.port == 443);
        let same_scheme = base.join("//k:9/z").unwrap();
        assert!(!same_scheme.tls && same_scheme.port == 9);
        assert!(base.join("ftp://k/").is_none());
        assert_eq!(base.join("/abs").unwrap().authority, "h:81");
    }
}
