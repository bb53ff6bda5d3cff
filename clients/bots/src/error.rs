//! [`BotError`]: what the lobby client and a session report when something goes wrong.

use arena_game::api::ApiError;
use arena_game::{DecodeError, EncodeError};

/// Every way a lobby call or a WebSocket session can fail.
#[derive(thiserror::Error, Debug)]
pub enum BotError {
    /// The server answered with an HTTP error status (lobby call, or a refused WebSocket upgrade).
    #[error("HTTP {status}: {}: {}", body.error, body.message)]
    Http {
        /// The status code, e.g. 404.
        status: u16,
        /// The JSON error body; a non-JSON body is kept in `message` with `error = "unparsed"`.
        body: ApiError,
    },
    /// The server closed the WebSocket (or the connection dropped, reported as 1006).
    #[error("connection closed with code {code}: {reason}")]
    Closed {
        /// Close code, e.g. 1000 normal, 1008 policy, 1006 abnormal (no close frame).
        code: u16,
        /// The close frame's reason text.
        reason: String,
    },
    /// Nothing matching arrived in time.
    #[error("timed out")]
    Timeout,
    /// A binary message from the server did not decode.
    #[error("undecodable server message: {0}")]
    Decode(#[from] DecodeError),
    /// A client message could not be encoded (a bug or an oversized chat line).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The server broke the protocol: no welcome first, a text frame, a missing subprotocol.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The HTTP request failed before any status (connection refused, bad URL, bad JSON).
    #[error("HTTP request failed: {0}")]
    Request(#[from] reqwest::Error),
    /// The WebSocket transport failed (connection refused, reset, bad handshake).
    #[error("WebSocket error: {0}")]
    Ws(Box<tokio_tungstenite::tungstenite::Error>),
    /// A swarm configuration that contradicts itself (e.g. `--match` with several servers), or
    /// a game the server does not host.
    #[error("{0}")]
    Config(String),
    /// No bot can play this game: these bots do not know it, or it has no bot policy.
    #[error("{0}")]
    NoBot(String),
    /// `source` happened on the server node at `url` (a swarm over several nodes names it).
    #[error("{url}: {source}")]
    Node {
        /// The node's base URL.
        url: String,
        /// What went wrong there.
        source: Box<BotError>,
    },
}

impl BotError {
    /// The error for an HTTP error `status` with response `body`, keeping a non-JSON body readable.
    pub fn from_http(status: u16, body: &[u8]) -> Self {
        let body = serde_json::from_slice::<ApiError>(body).unwrap_or_else(|_| ApiError {
            error: "unparsed".into(),
            message: String::from_utf8_lossy(body).into_owned(),
        });
        BotError::Http { status, body }
    }

    /// The close code this error stands for when it ended a session, if any.
    pub fn close_code(&self) -> Option<u16> {
        match self {
            BotError::Closed { code, .. } => Some(*code),
            BotError::Node { source, .. } => source.close_code(),
            _ => None,
        }
    }
}

impl From<arena_game::BotSetupError> for BotError {
    fn from(e: arena_game::BotSetupError) -> Self {
        match e {
            arena_game::BotSetupError::NoPolicy(_) => BotError::NoBot(e.to_string()),
            arena_game::BotSetupError::Facts(d) => BotError::Decode(d),
        }
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for BotError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        use tokio_tungstenite::tungstenite::Error as E;
        match e {
            E::Http(resp) => {
                let status = resp.status().as_u16();
                BotError::from_http(status, resp.body().as_deref().unwrap_or_default())
            }
            E::ConnectionClosed | E::AlreadyClosed => BotError::Closed {
                code: 1006,
                reason: "connection closed without a close frame".into(),
            },
            E::Protocol(
                tokio_tungstenite::tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
            ) => BotError::Closed {
                code: 1006,
                reason: "connection reset without a close frame".into(),
            },
            other => BotError::Ws(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSON error body is parsed into the lobby's `ApiError` shape.
    #[test]
    fn http_error_parses_json_body() {
        let err = BotError::from_http(404, br#"{"error":"not_found","message":"no such match"}"#);
        match err {
            BotError::Http { status, body } => {
                assert_eq!(status, 404);
                assert_eq!(body.error, "not_found");
                assert_eq!(body.message, "no such match");
            }
            other => panic!("expected Http, got {other:?}"),
        }
    }

    /// A body that is not the JSON error shape is kept as text rather than lost.
    #[test]
    fn http_error_keeps_plain_body() {
        let err = BotError::from_http(502, b"Bad Gateway");
        assert_eq!(err.to_string(), "HTTP 502: unparsed: Bad Gateway");
        assert_eq!(err.close_code(), None);
    }
}
