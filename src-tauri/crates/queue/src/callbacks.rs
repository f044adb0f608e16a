//! Which `callback_url`s a producer may give: `serve --callback-allow PATTERN` (host names,
//! `*.domain`, CIDR ranges). No pattern: any URL (the default, docs/protocol.md). Webhook
//! delivery follows no redirect at all, so an allowed host cannot bounce a delivery elsewhere.

use std::net::IpAddr;

/// One `--callback-allow` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `hooks.example.org`: that host only.
    Host(String),
    /// `*.example.org`: any host under it (not the bare domain).
    Suffix(String),
    /// `10.0.0.0/8`, `::1/128`, or one address.
    Network { address: IpAddr, prefix: u8 },
}

/// The allow-list; empty allows every URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackAllow {
    patterns: Vec<Pattern>,
}

#[derive(Debug, thiserror::Error)]
#[error("--callback-allow {0:?}: expected a host name, *.domain, an IP address or a CIDR range")]
pub struct BadPattern(String);

impl CallbackAllow {
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<CallbackAllow, BadPattern> {
        let patterns = patterns
            .iter()
            .map(|text| parse_pattern(text.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(CallbackAllow { patterns })
    }

    pub fn is_unrestricted(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `url`'s host is allowed.
    pub fn allows(&self, url: &str) -> bool {
        if self.is_unrestricted() {
            return true;
        }
        let Ok(parsed) = reqwest::Url::parse(url) else {
            return false;
        };
        let Some(host) = parsed.host_str() else {
            return false;
        };
        let host = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(address) => Host::Ip(address),
            Err(_) => Host::Name(host.to_ascii_lowercase()),
        };
        self.patterns.iter().any(|pattern| match (pattern, &host) {
            (Pattern::Host(allowed), Host::Name(name)) => allowed == name,
            (Pattern::Suffix(domain), Host::Name(name)) => name
                .strip_suffix(domain.as_str())
                .is_some_and(|head| head.ends_with('.') && head.len() > 1),
            (Pattern::Network { address, prefix }, Host::Ip(ip)) => {
                in_network(*ip, *address, *prefix)
            }
            _ => false,
        })
    }
}

enum Host {
    Name(String),
    Ip(IpAddr),
}

fn parse_pattern(text: &str) -> Result<Pattern, BadPattern> {
    let bad = || BadPattern(text.to_owned());
    let text = text.trim().to_ascii_lowercase();
    if let Some((address, prefix)) = text.split_once('/') {
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        if prefix > bits {
            return Err(bad());
        }
        return Ok(Pattern::Network { address, prefix });
    }
    if let Ok(address) = text.trim_matches(['[', ']']).parse::<IpAddr>() {
        let prefix = if address.is_ipv4() { 32 } else { 128 };
        return Ok(Pattern::Network { address, prefix });
    }
    let (suffix, name) = match text.strip_prefix("*.") {
        Some(domain) => (true, domain),
        None => (false, text.as_str()),
    };
    let label_ok = |label: &str| {
        !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !name.split('.').all(label_ok) {
        return Err(bad());
    }
    Ok(if suffix {
        Pattern::Suffix(name.to_owned())
    } else {
        Pattern::Host(name.to_owned())
    })
}

fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let (ip, network, bits) = match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => {
            (u128::from(ip.to_bits()), u128::from(network.to_bits()), 32)
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) => (ip.to_bits(), network.to_bits(), 128),
        _ => return false,
    };
    let shift = bits - u32::from(prefix);
    shift >= bits || (ip >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_allow_what_they_name() {
        let allow =
            CallbackAllow::parse(&["hooks.example.org", "*.corp.example", "10.0.0.0/8", "::1"])
                .expect("valid patterns");
        for good in [
            "https://hooks.example.org/x",
            "https://HOOKS.example.org:8443/x",
            "https://a.corp.example/cb",
            "https://a.b.corp.example/cb",
            "http://10.2.3.4:9000/cb",
            "http://[::1]:9000/cb",
        ] {
            assert!(allow.allows(good), "{good}");
        }
        for bad in [
            "https://example.org/x",
            "https://hooks.example.org.evil.test/x",
            "https://corp.example/cb",
            "https://evilcorp.example/cb",
            "http://11.0.0.1/cb",
            "http://127.0.0.1/cb",
            "not a url",
        ] {
            assert!(!allow.allows(bad), "{bad}");
        }
        assert!(CallbackAllow::default().allows("http://anything.test/"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in ["", "10.0.0.0/33", "a b", "*.", "http://x"] {
            assert!(CallbackAllow::parse(&[bad]).is_err(), "{bad}");
        }
    }
}
