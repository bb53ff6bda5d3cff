//! The history store: finished matches, their score lines and their replays, in SQLite (the
//! default, a file in the working directory) or PostgreSQL, through sqlx's `Any` driver with
//! embedded migrations (the same tables for both; `migrations/`).
//!
//! Writes never stall a tick: a match sends its [`FinishedMatch`] to the [`Store`] actor by
//! message and goes on. The actor writes one at a time; when the database is down or slow the
//! results wait in a bounded queue and are retried with backoff, and a metric
//! (`arena_store_queue`) and a log line say so. [`Drain`] resolves once everything waiting is
//! written (shutdown waits on it). Reads ([`History`]) go straight to the pool from the HTTP
//! handlers.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use arena_game::api::{HistoryEntry, HistoryPlayer, LeaderboardEntry};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};

use crate::metrics::Metrics;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// Most finished matches that wait for the database before new ones are dropped (and counted).
pub const MAX_WAITING: usize = 1024;

/// A match that ended, as the store keeps it: what the history serves ([`HistoryEntry`], its
/// `replay_bytes` the replay's length) and what only a replay needs.
#[derive(Debug, Clone)]
pub struct FinishedMatch {
    /// Result, players, times, replay size and ticks.
    pub entry: HistoryEntry,
    /// Settings, JSON text.
    pub settings: String,
    /// The game's seed.
    pub seed: u64,
    /// The encoded replay (`arena_game::replay::Replay::encode`).
    pub replay: Vec<u8>,
}

/// Match → store: keep this finished match.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SaveMatch(pub Box<FinishedMatch>);

/// Shutdown → store: resolves once nothing waits (or the database cannot take it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drain;

/// The pool and its migrations, for a database URL (`sqlite://…` or `postgres://…`).
#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    migrator: &'static Migrator,
}

impl Database {
    /// A pool for `url` that connects on first use (so a database that is down at start only
    /// delays the history).
    pub fn new(url: &str) -> Result<Database, String> {
        sqlx::any::install_default_drivers();
        let mut url = url.to_owned();
        let migrator = if url.starts_with("sqlite:") {
            // Created on first run unless the URL says otherwise.
            if !url.contains("mode=") {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str("mode=rwc");
            }
            &SQLITE
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            &POSTGRES
        } else {
            return Err(format!(
                "database URL {url:?}: use sqlite://FILE or postgres://USER@HOST/DB"
            ));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy(&url)
            .map_err(|e| format!("database URL {url:?}: {e}"))?;
        Ok(Database { pool, migrator })
    }

    /// Creates or updates the tables.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        self.migrator.run(&self.pool).await.map_err(Into::into)
    }

    async fn write(&self, finished: &FinishedMatch) -> Result<(), sqlx::Error> {
        let m = &finished.entry;
        let mut tx = self.pool.begin().await?;
        // Idempotent: a retry after a lost commit answer writes nothing twice.
        sqlx::query(
            "INSERT INTO matches (id, game, name, settings, seed, tick_hz, max_players, \
             created_at_ms, started_at_ms, ended_at_ms, end_reason, score_columns, replay, \
             replay_ticks, replay_complete) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&m.id)
        .bind(&m.game)
        .bind(&m.name)
        .bind(&finished.settings)
        .bind(finished.seed as i64)
        .bind(i32::from(m.tick_hz))
        .bind(i32::from(m.max_players))
        .bind(m.created_at_ms)
        .bind(m.started_at_ms)
        .bind(m.ended_at_ms)
        .bind(&m.end_reason)
        .bind(serde_json::to_string(&m.score_columns).unwrap_or_default())
        .bind(finished.replay.clone())
        .bind(m.replay_ticks as i64)
        .bind(i32::from(m.replay_complete))
        .execute(&mut *tx)
        .await?;
        for p in &m.players {
            sqlx::query(
                "INSERT INTO match_players (match_id, seat, place, name, team, score, stats, bot) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (match_id, seat) DO NOTHING",
            )
            .bind(&m.id)
            .bind(i32::from(p.id))
            .bind(p.place as i32)
            .bind(&p.name)
            .bind(p.team.map(i32::from))
            .bind(p.score)
            .bind(serde_json::to_string(&p.stats).unwrap_or_default())
            .bind(i32::from(p.bot))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }
}

/// Reads for the HTTP API.
#[derive(Clone)]
pub struct History {
    db: Database,
}

/// An integer column, whichever width the driver reports it in (SQLite's are all 64-bit,
/// PostgreSQL's `INTEGER` is 32).
fn int(row: &AnyRow, col: &str) -> Result<i64, sqlx::Error> {
    row.try_get::<i64, _>(col)
        .or_else(|_| row.try_get::<i32, _>(col).map(i64::from))
}

fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>, sqlx::Error> {
    row.try_get::<Option<i64>, _>(col)
        .or_else(|_| row.try_get::<Option<i32>, _>(col).map(|v| v.map(i64::from)))
}

fn entry(row: &AnyRow) -> Result<HistoryEntry, sqlx::Error> {
    Ok(HistoryEntry {
        id: row.try_get("id")?,
        game: row.try_get("game")?,
        name: row.try_get("name")?,
        tick_hz: int(row, "tick_hz")? as u8,
        max_players: int(row, "max_players")? as u8,
        created_at_ms: int(row, "created_at_ms")?,
        started_at_ms: opt_int(row, "started_at_ms")?,
        ended_at_ms: int(row, "ended_at_ms")?,
        end_reason: row.try_get("end_reason")?,
        score_columns: serde_json::from_str(&row.try_get::<String, _>("score_columns")?)
            .unwrap_or_default(),
        replay_bytes: int(row, "replay_bytes")? as u64,
        replay_ticks: int(row, "replay_ticks")? as u64,
        replay_complete: int(row, "replay_complete")? != 0,
        players: Vec::new(),
    })
}

const ENTRY_COLUMNS: &str = "id, game, name, tick_hz, max_players, created_at_ms, \
    started_at_ms, ended_at_ms, end_reason, score_columns, CAST(LENGTH(replay) AS BIGINT) AS replay_bytes, \
    replay_ticks, replay_complete";

impl History {
    /// Reads through `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    async fn players(&self, entries: &mut [HistoryEntry]) -> Result<(), sqlx::Error> {
        for e in entries {
            let rows = sqlx::query(
                "SELECT seat, place, name, team, score, stats, bot FROM match_players \
                 WHERE match_id = $1 ORDER BY place",
            )
            .bind(&e.id)
            .fetch_all(&self.db.pool)
            .await?;
            e.players = rows
                .iter()
                .map(|r| {
                    Ok(HistoryPlayer {
                        id: int(r, "seat")? as u8,
                        place: int(r, "place")? as u32,
                        name: r.try_get("name")?,
                        team: opt_int(r, "team")?.map(|t| t as u8),
                        score: int(r, "score")? as i32,
                        stats: serde_json::from_str(&r.try_get::<String, _>("stats")?)
                            .unwrap_or_default(),
                        bot: int(r, "bot")? != 0,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?;
        }
        Ok(())
    }

    /// Finished matches, newest first: of `game` if given, ended before `before` (Unix ms) if
    /// given, at most `limit`.
    pub async fn list(
        &self,
        game: Option<&str>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM matches WHERE ($1 = '' OR game = $1) AND ended_at_ms < $2 \
             ORDER BY ended_at_ms DESC, id DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(game.unwrap_or(""))
            .bind(before.unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&self.db.pool)
            .await?;
        let mut entries = rows.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
        self.players(&mut entries).await?;
        Ok(entries)
    }

    /// One finished match.
    pub async fn get(&self, id: &str) -> Result<Option<HistoryEntry>, sqlx::Error> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM matches WHERE id = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?
        else {
            return Ok(None);
        };
        let mut entries = vec![entry(&row)?];
        self.players(&mut entries).await?;
        Ok(entries.pop())
    }

    /// A finished match's replay bytes.
    pub async fn replay(&self, id: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
        let row = sqlx::query("SELECT replay FROM matches WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| r.try_get::<Vec<u8>, _>("replay")).transpose()
    }

    /// Per-name totals of `game`, people only (bots are left out): wins (first place) first,
    /// then total score, at most `limit`.
    pub async fn leaderboard(
        &self,
        game: &str,
        limit: u32,
    ) -> Result<Vec<LeaderboardEntry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT p.name AS name, COUNT(*) AS played, \
             CAST(SUM(CASE WHEN p.place = 1 THEN 1 ELSE 0 END) AS BIGINT) AS wins, \
             CAST(SUM(p.score) AS BIGINT) AS score \
             FROM match_players p JOIN matches m ON m.id = p.match_id \
             WHERE m.game = $1 AND p.bot = 0 GROUP BY p.name \
             ORDER BY wins DESC, score DESC, p.name LIMIT $2",
        )
        .bind(game)
        .bind(i64::from(limit))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LeaderboardEntry {
                    name: r.try_get("name")?,
                    played: int(r, "played")? as u64,
                    wins: int(r, "wins")? as u64,
                    score: int(r, "score")?,
                })
            })
            .collect()
    }
}

/// Writes finished matches one at a time, retrying while the database is down.
pub struct Store {
    db: Database,
    metrics: Arc<Metrics>,
    migrated: bool,
    busy: bool,
    failures: u32,
    waiting: VecDeque<Box<FinishedMatch>>,
    drains: Vec<tokio::sync::oneshot::Sender<()>>,
}

impl Store {
    /// A store writing to `db`.
    pub fn new(db: Database, metrics: Arc<Metrics>) -> Self {
        Self {
            db,
            metrics,
            migrated: false,
            busy: false,
            failures: 0,
            waiting: VecDeque::new(),
            drains: Vec::new(),
        }
    }

    /// Starts the next write (or the migration) unless one runs.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        self.metrics.set_store_waiting(self.waiting.len());
        if self.busy {
            return;
        }
        if self.migrated && self.waiting.is_empty() {
            for d in self.drains.drain(..) {
                let _ = d.send(());
            }
            return;
        }
        self.busy = true;
        let db = self.db.clone();
        let migrate = !self.migrated;
        let next = self.waiting.front().cloned();
        let work = async move {
            if migrate {
                db.migrate().await?;
            }
            if let Some(m) = &next {
                db.write(m).await?;
            }
            Ok::<_, sqlx::Error>(next.map(|m| m.entry.id))
        };
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            act.busy = false;
            match result {
                Ok(written) => {
                    act.migrated = true;
                    if act.failures > 0 {
                        log::info!("history database is back; writing what waits");
                    }
                    act.failures = 0;
                    if let Some(id) = written {
                        act.waiting.pop_front();
                        act.metrics.record_store_written();
                        log::debug!("match {id} stored");
                    }
                    act.pump(ctx);
                }
                Err(e) => {
                    act.failures += 1;
                    act.metrics.record_store_failure();
                    // 0.5 s doubling to 8 s: a database that comes back is used again soon.
                    let delay = Duration::from_millis(250 << act.failures.min(5));
                    log::warn!(
                        "history database: {e}; {} finished matches wait, retrying in {} ms",
                        act.waiting.len(),
                        delay.as_millis()
                    );
                    ctx.run_later(delay, |act, ctx| act.pump(ctx));
                }
            }
        }));
    }
}

impl Actor for Store {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.pump(ctx);
    }
}

impl Handler<SaveMatch> for Store {
    type Result = ();

    fn handle(&mut self, msg: SaveMatch, ctx: &mut Self::Context) {
        if self.waiting.len() >= MAX_WAITING {
            self.metrics.record_store_dropped();
            log::error!(
                "history: {MAX_WAITING} finished matches already wait for the database; match {} \
                 is not kept",
                msg.0.entry.id
            );
            return;
        }
        self.waiting.push_back(msg.0);
        self.pump(ctx);
    }
}

impl Handler<Drain> for Store {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drain, ctx: &mut Self::Context) -> Self::Result {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.drains.push(tx);
        self.pump(ctx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}
