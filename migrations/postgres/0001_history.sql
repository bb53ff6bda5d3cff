-- Finished matches, their players' score lines and their replays (docs/api.md, History).
-- The same tables in SQLite and PostgreSQL; only the binary column's type name differs.
CREATE TABLE matches (
    id TEXT PRIMARY KEY,
    game TEXT NOT NULL,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    seed BIGINT NOT NULL,
    tick_hz INTEGER NOT NULL,
    max_players INTEGER NOT NULL,
    created_at_ms BIGINT NOT NULL,
    started_at_ms BIGINT,
    ended_at_ms BIGINT NOT NULL,
    end_reason TEXT NOT NULL,
    score_columns TEXT NOT NULL,
    replay BYTEA NOT NULL,
    replay_ticks BIGINT NOT NULL,
    replay_complete INTEGER NOT NULL
);
CREATE INDEX matches_by_end ON matches (ended_at_ms, id);
CREATE INDEX matches_by_game_end ON matches (game, ended_at_ms, id);

CREATE TABLE match_players (
    match_id TEXT NOT NULL REFERENCES matches (id),
    seat INTEGER NOT NULL,
    place INTEGER NOT NULL,
    name TEXT NOT NULL,
    team INTEGER,
    score INTEGER NOT NULL,
    stats TEXT NOT NULL,
    bot INTEGER NOT NULL,
    PRIMARY KEY (match_id, seat)
);
CREATE INDEX match_players_by_name ON match_players (name);
