//! HTTP errors: every refusal is a 4xx/5xx with a JSON body `{"error": code, "message": text}`.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use arena_game::api;

/// Why the lobby API refused a request.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request body or query is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// No credentials were given (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The credentials do not grant this (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such match or route (404).
    #[error("{0}")]
    NotFound(String),
    /// The match has no free seat (409).
    #[error("{0}")]
    Full(String),
    /// The match is not in a phase that allows this (409).
    #[error("{0}")]
    WrongPhase(String),
    /// The match has ended (410).
    #[error("{0}")]
    Gone(String),
    /// A stored replay this server cannot play: other rules, another game, another format
    /// (409).
    #[error("{0}")]
    Unplayable(String),
    /// The match's game has no bot policy, so no bot can take a seat (409).
    #[error("{0}")]
    NoBots(String),
    /// A page on an origin that is not allowed asked to use the API (a refused CORS preflight,
    /// 403).
    #[error("{0}")]
    OriginNotAllowed(String),
    /// The body is larger than the limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// Unsupported media type (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// One client is over a per-client limit (429, with `Retry-After`).
    #[error("{message}")]
    RateLimited {
        /// For people.
        message: String,
        /// Seconds to wait.
        retry_after_s: u64,
    },
    /// A server-wide cap is reached (503).
    #[error("{0}")]
    Unavailable(String),
    /// An internal actor did not answer (500); never the client's fault.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The machine-readable code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Full(_) => "match_full",
            Self::WrongPhase(_) => "wrong_phase",
            Self::Gone(_) => "match_ended",
            Self::Unplayable(_) => "replay_unplayable",
            Self::NoBots(_) => "game_has_no_bots",
            Self::OriginNotAllowed(_) => "origin_not_allowed",
            Self::TooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Full(_) | Self::WrongPhase(_) | Self::Unplayable(_) | Self::NoBots(_) => {
                StatusCode::CONFLICT
            }
            Self::Gone(_) => StatusCode::GONE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Self::RateLimited { retry_after_s, .. } = self {
            res.insert_header((
                actix_web::http::header::RETRY_AFTER,
                retry_after_s.to_string(),
            ));
        }
        res.json(api::ApiError {
            error: self.code().to_owned(),
            message: self.to_string(),
        })
    }
}

impl From<actix::MailboxError> for ApiError {
    fn from(e: actix::MailboxError) -> Self {
        Self::Internal(format!("lobby unavailable: {e}"))
    }
}
