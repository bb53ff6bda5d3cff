//! Per-client limits on the lobby API, so one client cannot lock everyone else out.
//!
//! A client is its address: the peer's, or, when the peer is a trusted reverse proxy
//! (`--trusted-proxy`; in a cluster, the other nodes), the right-most address of
//! `X-Forwarded-For` that is not itself a trusted proxy. Three rates per client, each a GCRA
//! (the `governor` crate, one state per address, idle ones forgotten): API requests per second,
//! match creations per minute, joins per minute. Past one, a request is answered `429` with
//! `Retry-After` and a JSON error before any handler runs. The lobby adds the caps on unredeemed
//! joins (`LobbyState::join`). `--client-limits off` turns all of it off (load tests).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// What a request counts against, besides the request rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any other API request.
    Request,
    /// `POST /api/matches`, `POST /api/history/{id}/watch`.
    Creation,
    /// `POST /api/matches/{id}/join`.
    Join,
}

impl Kind {
    /// What kind of request `method` `path` is.
    pub fn of(method: &actix_web::http::Method, path: &str) -> Kind {
        if method != actix_web::http::Method::POST {
            return Kind::Request;
        }
        let path = path.trim_end_matches('/');
        if path == "/api/matches" || (path.starts_with("/api/history/") && path.ends_with("/watch"))
        {
            Kind::Creation
        } else if path.starts_with("/api/matches/") && path.ends_with("/join") {
            Kind::Join
        } else {
            Kind::Request
        }
    }
}

/// The three rates, per client address.
pub struct ClientLimits {
    requests: DefaultKeyedRateLimiter<IpAddr>,
    creations: DefaultKeyedRateLimiter<IpAddr>,
    joins: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    metrics: Arc<Metrics>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

/// `per` cells spread over `period`, with a burst of `burst`.
fn quota(per: u32, period: Duration, burst: u32) -> Quota {
    let every = period / per.max(1);
    Quota::with_period(every.max(Duration::from_micros(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(nonzero(burst))
}

impl ClientLimits {
    /// The limits of `config`, or `None` when they are off.
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> Option<ClientLimits> {
        if !config.client_limits {
            return None;
        }
        let rps = config.client_requests_per_s;
        let creations = config.client_creations_per_min;
        let joins = config.client_joins_per_min;
        Some(ClientLimits {
            requests: RateLimiter::keyed(quota(rps, Duration::from_secs(1), rps * 2)),
            creations: RateLimiter::keyed(quota(creations, Duration::from_secs(60), creations)),
            joins: RateLimiter::keyed(quota(joins, Duration::from_secs(60), joins.div_ceil(2))),
            clock: DefaultClock::default(),
            metrics,
        })
    }

    /// Counts one request of `kind` from `client`; refused with 429 and how long to wait.
    pub fn check(&self, client: IpAddr, kind: Kind) -> Result<(), ApiError> {
        let refuse =
            |limiter: &DefaultKeyedRateLimiter<IpAddr>, reason: &'static str, what: &str| {
                match limiter.check_key(&client) {
                    Ok(()) => Ok(()),
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(self.clock.now());
                        self.metrics.record_refused(reason);
                        Err(ApiError::RateLimited {
                            message: format!("too many {what} from {client}; retry in {wait:.1?}"),
                            retry_after_s: wait.as_secs_f64().ceil().max(1.0) as u64,
                        })
                    }
                }
            };
        refuse(&self.requests, "requests", "requests")?;
        match kind {
            Kind::Request => Ok(()),
            Kind::Creation => refuse(&self.creations, "creations", "match creations"),
            Kind::Join => refuse(&self.joins, "joins", "joins"),
        }
    }

    /// Forgets the addresses that are back to a full allowance (keeps memory bounded).
    pub fn forget_idle(&self) {
        for limiter in [&self.requests, &self.creations, &self.joins] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The client behind a request from `peer` with `headers`: the peer, unless it is a trusted
/// proxy; then the right-most `X-Forwarded-For` address that is not a trusted proxy (the one
/// the nearest untrusted hop added), or the peer if the header has none.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let xff = headers(&["203.0.113.7, 10.0.0.9"]);
        // An untrusted peer is the client, whatever it claims.
        assert_eq!(
            client_address(ip("198.51.100.2"), &xff, &[proxy]),
            ip("198.51.100.2")
        );
        // A trusted one: the right-most address that is not a trusted proxy.
        assert_eq!(client_address(proxy, &xff, &[proxy]), ip("10.0.0.9"));
        assert_eq!(
            client_address(proxy, &xff, &[proxy, ip("10.0.0.9")]),
            ip("203.0.113.7")
        );
        assert_eq!(client_address(proxy, &headers(&[]), &[proxy]), proxy);
        assert_eq!(
            client_address(proxy, &headers(&["nonsense"]), &[proxy]),
            proxy
        );
    }

    #[test]
    fn kinds_of_requests() {
        use actix_web::http::Method;
        assert_eq!(Kind::of(&Method::POST, "/api/matches"), Kind::Creation);
        assert_eq!(
            Kind::of(&Method::POST, "/api/history/x/watch"),
            Kind::Creation
        );
        assert_eq!(Kind::of(&Method::POST, "/api/matches/x/join"), Kind::Join);
        assert_eq!(Kind::of(&Method::GET, "/api/matches"), Kind::Request);
        assert_eq!(
            Kind::of(&Method::POST, "/api/matches/x/start"),
            Kind::Request
        );
    }

    #[test]
    fn each_client_has_its_own_allowance() {
        let config = Config {
            client_creations_per_min: 3,
            ..Config::default()
        };
        let limits = ClientLimits::new(&config, Arc::new(Metrics::new())).unwrap();
        let (a, b) = (ip("127.0.0.1"), ip("127.0.0.2"));
        for _ in 0..3 {
            limits.check(a, Kind::Creation).unwrap();
        }
        match limits.check(a, Kind::Creation) {
            Err(ApiError::RateLimited { retry_after_s, .. }) => {
                assert!((1..=20).contains(&retry_after_s), "{retry_after_s}")
            }
            other => panic!("{other:?}"),
        }
        limits.check(b, Kind::Creation).unwrap();
        limits.check(a, Kind::Request).unwrap();
        assert!(ClientLimits::new(
            &Config {
                client_limits: false,
                ..Config::default()
            },
            Arc::new(Metrics::new())
        )
        .is_none());
    }
}
