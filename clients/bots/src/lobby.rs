//! [`LobbyClient`]: the HTTP lobby API (docs/api.md) from the client side, typed with the shared
//! bodies in `arena_game::api`.

use arena_game::api::{
    AddBotsRequest, AddBotsResponse, ApiRole, CreateMatchRequest, CreatedMatch, GamesResponse,
    JoinRequest, JoinResponse, KickRequest, MatchDetail, MatchSummary, PhaseResponse,
};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use crate::BotError;

/// Longest any lobby request may take, connect to last body byte, in seconds. A server that
/// accepts and never answers must not hang a test or a swarm run.
pub const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A client of one server's lobby API. Cheap to clone; shares one connection pool.
#[derive(Debug, Clone)]
pub struct LobbyClient {
    http: Client,
    base_url: String,
}

impl LobbyClient {
    /// A client for the server at `base_url`, e.g. `http://127.0.0.1:8080` (trailing `/` is fine).
    pub fn new(base_url: &str) -> Self {
        // A swarm's ramp runs many joins at once; keep only a few idle connections afterwards so
        // the server is not left holding hundreds of idle HTTP connections while it is measured.
        let http = Client::builder()
            .timeout(HTTP_TIMEOUT)
            .pool_max_idle_per_host(16)
            .build()
            .unwrap_or_else(|_| Client::new());
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The server's base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// `GET /api/games`: every game the server hosts.
    pub async fn games(&self) -> Result<GamesResponse, BotError> {
        send(self.http.get(self.url("/api/games")), StatusCode::OK).await
    }

    /// `POST /api/matches`: creates a match (201).
    pub async fn create_match(&self, req: &CreateMatchRequest) -> Result<CreatedMatch, BotError> {
        let rb = self.http.post(self.url("/api/matches")).json(req);
        send(rb, StatusCode::CREATED).await
    }

    /// `GET /api/matches`: every match.
    pub async fn list(&self) -> Result<Vec<MatchSummary>, BotError> {
        send(self.http.get(self.url("/api/matches")), StatusCode::OK).await
    }

    /// `GET /api/matches/{id}`: one match with its scoreboard.
    pub async fn get(&self, id: &str) -> Result<MatchDetail, BotError> {
        let rb = self.http.get(self.url(&format!("/api/matches/{id}")));
        send(rb, StatusCode::OK).await
    }

    /// `POST /api/matches/{id}/join`: a one-use token and the `ws://` URL to open with it.
    pub async fn join(
        &self,
        id: &str,
        name: &str,
        role: ApiRole,
    ) -> Result<JoinResponse, BotError> {
        let body = JoinRequest {
            name: name.to_owned(),
            role,
        };
        let rb = self
            .http
            .post(self.url(&format!("/api/matches/{id}/join")))
            .json(&body);
        send(rb, StatusCode::OK).await
    }

    /// `POST /api/matches/{id}/start` with the host token: waiting → running.
    pub async fn start(&self, id: &str, host_token: &str) -> Result<PhaseResponse, BotError> {
        let rb = self
            .http
            .post(self.url(&format!("/api/matches/{id}/start")))
            .bearer_auth(host_token);
        send(rb, StatusCode::OK).await
    }

    /// `POST /api/matches/{id}/end` with the host token: ends the match now.
    pub async fn end(&self, id: &str, host_token: &str) -> Result<PhaseResponse, BotError> {
        let rb = self
            .http
            .post(self.url(&format!("/api/matches/{id}/end")))
            .bearer_auth(host_token);
        send(rb, StatusCode::OK).await
    }
}

impl LobbyClient {
    /// `POST /api/matches/{id}/kick` with the host token: frees a player's seat.
    pub async fn kick(
        &self,
        id: &str,
        host_token: &str,
        player_id: u8,
    ) -> Result<serde_json::Value, BotError> {
        let rb = self
            .http
            .post(self.url(&format!("/api/matches/{id}/kick")))
            .bearer_auth(host_token)
            .json(&KickRequest { player_id });
        send(rb, StatusCode::OK).await
    }

    /// `POST /api/matches/{id}/bots` with the host token: `count` server-run bots take free
    /// seats of a waiting match.
    pub async fn add_bots(
        &self,
        id: &str,
        host_token: &str,
        count: u8,
    ) -> Result<AddBotsResponse, BotError> {
        let rb = self
            .http
            .post(self.url(&format!("/api/matches/{id}/bots")))
            .bearer_auth(host_token)
            .json(&AddBotsRequest { count });
        send(rb, StatusCode::OK).await
    }
}

/// How many times a request refused with 429 is sent again, and the longest wait honoured.
const RATE_LIMIT_RETRIES: u32 = 4;
const MAX_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Sends `rb`; `expected` yields the decoded body, any other status a [`BotError::Http`]. A
/// `429` (a per-client limit of the server, docs/security.md) is retried after its `Retry-After`
/// (at most [`MAX_RETRY_WAIT`], [`RATE_LIMIT_RETRIES`] times), as a well-behaved client does:
/// e.g. bots of one match joining at once from one address meet the cap on unused join tokens
/// for the moment it takes the first ones to connect.
async fn send<T: DeserializeOwned>(
    rb: RequestBuilder,
    expected: StatusCode,
) -> Result<T, BotError> {
    let mut tries = 0;
    loop {
        let attempt = rb.try_clone();
        let resp = match attempt {
            Some(attempt) => attempt.send().await?,
            None => return send_once(rb, expected).await,
        };
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS && tries < RATE_LIMIT_RETRIES {
            tries += 1;
            let wait = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                .map_or(
                    std::time::Duration::from_secs(1),
                    std::time::Duration::from_secs,
                )
                .min(MAX_RETRY_WAIT);
            tokio::time::sleep(wait).await;
            continue;
        }
        if status != expected {
            let body = resp.bytes().await?;
            return Err(BotError::from_http(status.as_u16(), &body));
        }
        return Ok(resp.json::<T>().await?);
    }
}

/// [`send`] of a request that cannot be cloned (a streamed body): once.
async fn send_once<T: DeserializeOwned>(
    rb: RequestBuilder,
    expected: StatusCode,
) -> Result<T, BotError> {
    let resp = rb.send().await?;
    let status = resp.status();
    if status != expected {
        let body = resp.bytes().await?;
        return Err(BotError::from_http(status.as_u16(), &body));
    }
    Ok(resp.json::<T>().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Routes are joined to the base URL without a doubled slash.
    #[test]
    fn base_url_trailing_slash_is_dropped() {
        let c = LobbyClient::new("http://127.0.0.1:8080/");
        assert_eq!(c.base_url(), "http://127.0.0.1:8080");
        assert_eq!(c.url("/api/matches"), "http://127.0.0.1:8080/api/matches");
    }
}
