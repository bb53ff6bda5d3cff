//! Many nodes, one service: Arena nodes that share one Redis (`--redis-url`).
//!
//! No consensus of our own: a match lives on the node that created it (its owner) and nowhere
//! else, and Redis only tells the nodes about each other. Every node has a fresh random id per
//! process, and every id it hands out starts with it: match ids (`{node}-{random}`) and join and
//! reconnect tokens. So any node knows a match's owner from its id alone, a token redeemed on the
//! wrong node is refused with a clear answer, and a restarted node (a new id) refuses its old
//! tokens.
//!
//! Keys, each written by its owner only and living [`Config::cluster_ttl_ms`] unless refreshed
//! (every [`Config::cluster_heartbeat_ms`]):
//!
//! - `arena:node:{node}`: the node's public URL, JSON;
//! - `arena:matches:{node}`: a hash, match id → its summary (JSON), rewritten whole each beat.
//!
//! A node killed or frozen stops refreshing, so its keys (and its matches in every listing) are
//! gone within the TTL; no node ever deletes another's keys. SIGTERM deletes the node's keys at
//! once. While Redis is down, matches play on, listings show the local node's matches and say so
//! (`Arena-Listing: local-only`), and the next beat after it is back registers everything again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arena_game::api::MatchSummary;
use redis::aio::MultiplexedConnection;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::tokens;

/// Longest a single Redis command may take before the node treats Redis as down.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// Longest a request forwarded to a match's owner may take.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(5);

/// The header a forwarded request carries (the forwarding node's id), so it is never forwarded
/// again.
pub const FORWARDED_HEADER: &str = "arena-forwarded-by";

/// The header on `GET /api/matches` saying what the listing covers: `cluster` or `local-only`.
pub const LISTING_HEADER: &str = "arena-listing";

/// The header that proves a forwarded request comes from a node of this cluster: the cluster's
/// secret, kept in Redis (`arena:cluster-secret`, made by the first node). The owner then reads
/// the client from its `X-Forwarded-For` and leaves the per-client rates to the node that
/// forwarded it (which counted them already).
pub const SECRET_HEADER: &str = "arena-cluster-secret";

/// What a node publishes about itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NodeRecord {
    node: String,
    public_url: String,
}

/// Why the cluster registry could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Redis refused, timed out or is unreachable.
    #[error("the cluster registry (Redis) is unavailable: {0}")]
    Down(String),
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

/// This node's membership: its id, its public URL, and its connection to Redis.
#[derive(Clone)]
pub struct Cluster(Arc<Inner>);

struct Inner {
    node: String,
    public_url: String,
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    ttl_ms: u64,
    /// Redis answered the last command.
    up: AtomicBool,
    /// SIGTERM: the keys are deleted and never written again.
    leaving: AtomicBool,
    /// Held while a beat writes, so a leave never races a beat that already started (which
    /// would list the node again until its keys expire).
    writing: tokio::sync::Mutex<()>,
    /// The cluster's secret as last read from Redis.
    secret: std::sync::RwLock<Option<String>>,
    /// The web origins (`scheme://host[:port]`) of every node's public URL, as last read: a
    /// page served by one node opens the WebSocket of a match on another.
    origins: std::sync::RwLock<Vec<String>>,
    http: reqwest::Client,
    metrics: Arc<Metrics>,
}

/// Every key matching `pattern` (SCAN, so Redis is never blocked by a long KEYS).
async fn scan(conn: &mut MultiplexedConnection, pattern: &str) -> redis::RedisResult<Vec<String>> {
    let mut keys: Vec<String> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await?;
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            return Ok(keys);
        }
    }
}

/// The web origin of `url`: `scheme://host[:port]`, without a path.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

/// The node that owns match (or token) `id`: the part before the first `-`, if any.
pub fn owner_of(id: &str) -> Option<&str> {
    id.split_once('-').map(|(node, _)| node)
}

impl Cluster {
    /// A member of the cluster on `redis_url`, reachable at `public_url`, with a fresh node id.
    /// Connects on first use (a Redis that is down at start only delays the registration).
    pub fn new(
        redis_url: &str,
        public_url: String,
        ttl_ms: u64,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        let client =
            redis::Client::open(redis_url).map_err(|e| format!("redis URL {redis_url:?}: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(FORWARD_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self(Arc::new(Inner {
            node: tokens::new_node_id(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            client,
            conn: tokio::sync::Mutex::new(None),
            ttl_ms,
            up: AtomicBool::new(false),
            leaving: AtomicBool::new(false),
            writing: tokio::sync::Mutex::new(()),
            secret: std::sync::RwLock::new(None),
            origins: std::sync::RwLock::new(Vec::new()),
            http,
            metrics,
        })))
    }

    /// This node's id (the prefix of its match ids and tokens).
    pub fn node(&self) -> &str {
        &self.0.node
    }

    /// `ws://…` (or `wss://…`) of this node's public URL: where its sessions connect.
    pub fn ws_base(&self) -> String {
        let url = &self.0.public_url;
        match url.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => format!("ws://{}", url.strip_prefix("http://").unwrap_or(url)),
        }
    }

    /// Whether match (or token) `id` is this node's: its prefix is this node's id, or it has
    /// none (then it is nobody else's either).
    pub fn is_local(&self, id: &str) -> bool {
        !matches!(owner_of(id), Some(node) if node != self.0.node)
    }

    fn node_key(node: &str) -> String {
        format!("arena:node:{node}")
    }

    fn matches_key(node: &str) -> String {
        format!("arena:matches:{node}")
    }

    /// Runs one Redis exchange with a timeout; on any failure the connection is dropped (the
    /// next exchange connects again) and Redis counts as down.
    async fn redis<T, F, Fut>(&self, f: F) -> Result<T, RegistryError>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let mut slot = self.0.conn.lock().await;
        let conn = match slot.as_ref() {
            Some(conn) => conn.clone(),
            None => {
                let connect = self.0.client.get_multiplexed_async_connection();
                let conn = match tokio::time::timeout(REDIS_TIMEOUT, connect).await {
                    Ok(Ok(conn)) => conn,
                    Ok(Err(e)) => return Err(self.down(e.to_string())),
                    Err(_) => return Err(self.down("connecting timed out".into())),
                };
                *slot = Some(conn.clone());
                conn
            }
        };
        drop(slot);
        match tokio::time::timeout(REDIS_TIMEOUT, f(conn)).await {
            Ok(Ok(value)) => {
                if !self.0.up.swap(true, Ordering::Relaxed) {
                    log::info!(
                        "cluster: Redis is reachable; node {} registered",
                        self.0.node
                    );
                }
                self.0.metrics.set_cluster_redis_up(true);
                Ok(value)
            }
            Ok(Err(e)) => {
                *self.0.conn.lock().await = None;
                Err(self.down(e.to_string()))
            }
            Err(_) => {
                *self.0.conn.lock().await = None;
                Err(self.down("timed out".into()))
            }
        }
    }

    fn down(&self, why: String) -> RegistryError {
        if self.0.up.swap(false, Ordering::Relaxed) {
            log::warn!(
                "cluster: Redis is unavailable ({why}); matches play on, listings show this node \
                 only until it is back"
            );
        }
        self.0.metrics.set_cluster_redis_up(false);
        RegistryError::Down(why)
    }

    /// One heartbeat: publishes this node and its matches (`local`), with the TTL. Atomic, so a
    /// reader never sees the hash half written.
    pub async fn beat(&self, local: &[MatchSummary]) -> Result<(), RegistryError> {
        let _writing = self.0.writing.lock().await;
        if self.0.leaving.load(Ordering::Relaxed) {
            return Ok(());
        }
        let record = serde_json::to_string(&NodeRecord {
            node: self.0.node.clone(),
            public_url: self.0.public_url.clone(),
        })
        .unwrap_or_default();
        let fields: Vec<(String, String)> = local
            .iter()
            .map(|m| (m.id.clone(), serde_json::to_string(m).unwrap_or_default()))
            .collect();
        let (node_key, matches_key, ttl) = (
            Self::node_key(&self.0.node),
            Self::matches_key(&self.0.node),
            self.0.ttl_ms,
        );
        let candidate = tokens::new_token();
        let secret: String = self
            .redis(|mut conn| async move {
                // The first node makes the cluster's secret; every node reads it each beat (a
                // Redis that restarted empty gets a new one, which every node then uses).
                let mut pipe = redis::pipe();
                pipe.cmd("SET")
                    .arg("arena:cluster-secret")
                    .arg(candidate)
                    .arg("NX")
                    .ignore();
                pipe.cmd("GET").arg("arena:cluster-secret");
                let (secret,): (String,) = pipe.query_async(&mut conn).await?;
                Ok(secret)
            })
            .await?;
        if let Ok(mut held) = self.0.secret.write() {
            *held = Some(secret);
        }
        self.redis(|mut conn| async move {
            let mut pipe = redis::pipe();
            pipe.atomic();
            pipe.cmd("SET")
                .arg(&node_key)
                .arg(record)
                .arg("PX")
                .arg(ttl)
                .ignore();
            pipe.cmd("DEL").arg(&matches_key).ignore();
            if !fields.is_empty() {
                pipe.cmd("HSET").arg(&matches_key).arg(&fields).ignore();
                pipe.cmd("PEXPIRE").arg(&matches_key).arg(ttl).ignore();
            }
            pipe.query_async::<()>(&mut conn).await
        })
        .await?;
        // Then the other nodes' addresses, for the origins their pages come from.
        let records: Vec<String> = self
            .redis(|mut conn| async move {
                let keys = scan(&mut conn, "arena:node:*").await?;
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                let values: Vec<Option<String>> =
                    redis::cmd("MGET").arg(&keys).query_async(&mut conn).await?;
                Ok(values.into_iter().flatten().collect())
            })
            .await?;
        let mut origins: Vec<String> = records
            .iter()
            .filter_map(|r| serde_json::from_str::<NodeRecord>(r).ok())
            .filter_map(|r| origin_of(&r.public_url))
            .collect();
        origins.extend(origin_of(&self.0.public_url));
        if let Ok(mut held) = self.0.origins.write() {
            *held = origins;
        }
        Ok(())
    }

    /// SIGTERM: deletes this node's keys now (it leaves every listing at once) and stops
    /// writing them.
    pub async fn leave(&self) {
        let _writing = self.0.writing.lock().await;
        self.0.leaving.store(true, Ordering::Relaxed);
        let keys = [
            Self::node_key(&self.0.node),
            Self::matches_key(&self.0.node),
        ];
        let result = self
            .redis(|mut conn| async move {
                redis::cmd("DEL")
                    .arg(&keys[..])
                    .query_async::<()>(&mut conn)
                    .await
            })
            .await;
        match result {
            Ok(()) => log::info!("cluster: node {} left", self.0.node),
            Err(e) => log::warn!("cluster: could not remove node {}'s keys: {e}", self.0.node),
        }
    }

    /// Every match of the cluster as the nodes last published them (`local` stands for this
    /// node's own, fresher than its last beat), oldest node's first.
    pub async fn list(&self, local: Vec<MatchSummary>) -> Result<Vec<MatchSummary>, RegistryError> {
        let published: Vec<String> = self
            .redis(|mut conn| async move {
                let keys = scan(&mut conn, "arena:matches:*").await?;
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.cmd("HVALS").arg(key);
                }
                let values: Vec<Vec<String>> = pipe.query_async(&mut conn).await?;
                Ok(values.into_iter().flatten().collect())
            })
            .await?;
        let mut all = local;
        for json in published {
            match serde_json::from_str::<MatchSummary>(&json) {
                Ok(m) if !self.is_local(&m.id) => all.push(m),
                Ok(_) => {}
                Err(e) => log::warn!("cluster: a published match does not read: {e}"),
            }
        }
        Ok(all)
    }

    /// Whether `origin` is a page origin of a node of this cluster (its public URL's).
    pub fn is_node_origin(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.0
            .origins
            .read()
            .is_ok_and(|held| held.iter().any(|o| o == origin))
    }

    /// Whether a request with `headers` was forwarded by a node of this cluster (it carries the
    /// cluster's secret).
    pub fn forwarded_by_a_node(&self, headers: &actix_web::http::header::HeaderMap) -> bool {
        let Some(given) = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let held = self.0.secret.read().ok().and_then(|s| s.clone());
        held.is_some_and(|secret| tokens::secrets_equal(given, &secret))
    }

    /// The public URL of node `node`, or `None` when it is not (or no longer) in the cluster.
    pub async fn node_url(&self, node: &str) -> Result<Option<String>, RegistryError> {
        let key = Self::node_key(node);
        let record: Option<String> = self
            .redis(|mut conn| async move {
                redis::cmd("GET")
                    .arg(&key)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await?;
        Ok(record
            .and_then(|r| serde_json::from_str::<NodeRecord>(&r).ok())
            .map(|r| r.public_url))
    }

    /// Sends a request for match `id` to its owner, with `headers` (the client's that the owner
    /// reads), and returns the owner's answer as it came.
    pub async fn forward(
        &self,
        id: &str,
        method: &actix_web::http::Method,
        path_and_query: &str,
        headers: &[(&str, String)],
        body: bytes::Bytes,
    ) -> Result<actix_web::HttpResponse, ApiError> {
        let owner = owner_of(id).unwrap_or_default();
        let url = self.node_url(owner).await?.ok_or_else(|| {
            ApiError::NotFound(format!(
                "no match with id {id:?}: its node {owner} is not in the cluster"
            ))
        })?;
        let method = reqwest::Method::from_bytes(method.as_str().as_bytes())
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let mut req = self
            .0
            .http
            .request(method, format!("{url}{path_and_query}"))
            .header(FORWARDED_HEADER, &self.0.node)
            .body(body);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        if let Some(secret) = self.0.secret.read().ok().and_then(|s| s.clone()) {
            req = req.header(SECRET_HEADER, secret);
        }
        let resp = req.send().await.map_err(|e| {
            ApiError::Unavailable(format!(
                "match {id:?} lives on node {owner} ({url}), which does not answer: {e}"
            ))
        })?;
        let status = actix_web::http::StatusCode::from_u16(resp.status().as_u16())
            .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        let body = resp.bytes().await.map_err(|e| {
            ApiError::Unavailable(format!("node {owner} broke off its answer: {e}"))
        })?;
        Ok(actix_web::HttpResponse::build(status)
            .content_type(content_type)
            .body(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(public_url: &str) -> Cluster {
        let metrics = Arc::new(Metrics::new());
        Cluster::new("redis://127.0.0.1:1", public_url.into(), 5000, metrics).unwrap()
    }

    #[test]
    fn ids_name_their_owner() {
        let c = cluster("http://10.0.0.5:8080/");
        let mine = format!("{}-0123456789ab", c.node());
        assert_eq!(owner_of(&mine), Some(c.node()));
        assert!(c.is_local(&mine));
        assert!(!c.is_local("deadbeef-0123456789ab"));
        // An id without a node (a single node's) is nobody else's.
        assert!(c.is_local("0123456789ab"));
        assert_eq!(owner_of("0123456789ab"), None);
        assert_ne!(
            c.node(),
            cluster("http://x").node(),
            "a fresh id per process"
        );
    }

    #[test]
    fn sessions_connect_to_the_public_url() {
        assert_eq!(
            cluster("http://10.0.0.5:8080/").ws_base(),
            "ws://10.0.0.5:8080"
        );
        assert_eq!(
            cluster("https://play.example.com/n1").ws_base(),
            "wss://play.example.com/n1"
        );
    }

    #[test]
    fn origins_of_public_urls() {
        assert_eq!(
            origin_of("https://play.example.com/n1").as_deref(),
            Some("https://play.example.com")
        );
        assert_eq!(
            origin_of("http://10.0.0.5:8080").as_deref(),
            Some("http://10.0.0.5:8080")
        );
        assert_eq!(origin_of("nonsense"), None);
    }

    #[test]
    fn a_bad_redis_url_is_refused() {
        let metrics = Arc::new(Metrics::new());
        assert!(Cluster::new("nope://", "http://x".into(), 5000, metrics).is_err());
    }
}
