//! One bot of a swarm: joins, connects, then reads until told to stop; a player answers every
//! snapshot with its game's policy and reconnects when dropped.

use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use arena_game::api::ApiRole;
use arena_game::protocol::{ClientMsg, Payload, Role, ServerMsg, Snapshot};
use arena_game::{DynBot, GameRegistry};
use tokio::sync::watch;

use super::stats::{error_kind, now_us, ws_header_len, TickSpan};
use super::Shared;
use crate::session::decode_server_msg;
use crate::{BotError, LobbyClient, Session};

/// Pending inputs a player remembers for the round trip; older ones are dropped unmeasured.
const MAX_PENDING_INPUTS: usize = 64;

/// Distinct close reasons kept in the report; further ones are counted as "other".
const MAX_CLOSE_REASONS: usize = 16;

/// One bot: joins, connects, then reads until told to stop, playing when it is a player.
pub(crate) struct Bot {
    pub(crate) games: GameRegistry,
    pub(crate) shared: Rc<Shared>,
    /// The lobby of the node that created the match (it joins there).
    pub(crate) lobby: LobbyClient,
    /// Index of that node among the run's servers, for the per-node counters.
    pub(crate) node: usize,
    pub(crate) match_index: usize,
    pub(crate) match_id: String,
    pub(crate) name: String,
    pub(crate) role: ApiRole,
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) reconnect: bool,
}

/// Tries to reopen a dropped player's seat: 3 attempts, 0.5 s, 1 s, 2 s apart (well inside the
/// server's default 15 s grace period).
async fn reconnect(url: &str, stop: &mut watch::Receiver<bool>) -> Option<Session> {
    let mut delay = Duration::from_millis(500);
    for _ in 0..3 {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return None,
        }
        if let Ok(s) = Session::connect(url).await {
            return Some(s);
        }
        delay *= 2;
    }
    None
}

/// Whether a session that ended with `e` should try to get its seat back.
fn should_reconnect(e: &BotError) -> bool {
    !matches!(e.close_code(), Some(1000 | 4001 | 4002))
}

impl Bot {
    pub(crate) async fn run(mut self) {
        let started = Instant::now();
        let session = async {
            let join = self
                .lobby
                .join(&self.match_id, &self.name, self.role)
                .await?;
            Session::connect(&join.ws_url)
                .await
                .map(|s| (s, join.reconnect_url))
        };
        let (mut session, reconnect_url) = match session.await {
            Ok(s) => s,
            Err(e) => {
                self.shared.stats.borrow_mut().fail(self.node, &e);
                return;
            }
        };
        {
            let mut st = self.shared.stats.borrow_mut();
            st.nodes[self.node].connected += 1;
            st.match_sessions[self.match_index] += 1;
            let us = started.elapsed().as_micros() as u64;
            st.connect.saturating_record(us.max(1));
        }
        let me = session.welcome.player_id;
        let mut brain = match (me, Role::from(self.role)) {
            (Some(me), Role::Player) => match self.brain(&session, me) {
                Ok(b) => Some(b),
                Err(e) => {
                    self.shared.stats.borrow_mut().fail(self.node, &e);
                    let _ = session.close().await;
                    return;
                }
            },
            _ => None,
        };
        let mut input_buf = Vec::with_capacity(16);
        let mut seq: u16 = 0;
        let mut pending: VecDeque<(u16, Instant)> = VecDeque::with_capacity(MAX_PENDING_INPUTS);
        let ended = 'session: loop {
            let dropped = loop {
                let bytes = tokio::select! {
                    biased;
                    _ = self.stop.changed() => break None,
                    r = session.recv_bytes() => r,
                };
                let bytes = match bytes {
                    Ok(b) => b,
                    Err(e) => break Some(e),
                };
                let recv_us = now_us();
                self.shared
                    .stats
                    .borrow_mut()
                    .message(self.node, bytes.len() as u64);
                // Two monotonic clock reads per message: before the decode (the receive instant, for
                // the input round trip) and after it (the decode time, and the input's send instant).
                let received_at = Instant::now();
                let decoded = decode_server_msg(&bytes);
                let came_as_delta = matches!(decoded, Ok(ServerMsg::Delta(_)));
                let decoded = match decoded {
                    Ok(msg) => match session.rebuild(msg).await {
                        Ok(Some(msg)) => Ok(msg),
                        Ok(None) => continue,
                        Err(e) => break Some(e),
                    },
                    Err(e) => Err(e),
                };
                let decoded_at = Instant::now();
                let decode_ns = decoded_at.duration_since(received_at).as_nanos() as u64;
                let snap = match decoded {
                    Ok(ServerMsg::Snapshot(s)) => s,
                    Ok(ServerMsg::Error { .. }) => {
                        let mut st = self.shared.stats.borrow_mut();
                        st.nodes[self.node].server_errors += 1;
                        continue;
                    }
                    Ok(_) => continue,
                    Err(_) => {
                        self.decode_error();
                        continue;
                    }
                };
                let rtt = me.and_then(|_| applied_input_rtt(&snap, &mut pending, received_at));
                let wire = Wire {
                    len: bytes.len(),
                    player: me.is_some(),
                    delta: came_as_delta,
                };
                self.record_snapshot(&snap, wire, recv_us, decode_ns, rtt);
                if let Some(brain) = &mut brain {
                    input_buf.clear();
                    match brain.input(snap.tick, &snap.view.0, &mut input_buf) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(_) => {
                            self.decode_error();
                            continue;
                        }
                    }
                    seq = seq.wrapping_add(1);
                    if pending.len() == MAX_PENDING_INPUTS {
                        pending.pop_front();
                    }
                    pending.push_back((seq, decoded_at));
                    let input = Payload(input_buf.clone());
                    if let Err(e) = session.send(&ClientMsg::Input { seq, input }).await {
                        break Some(e);
                    }
                }
            };
            match (dropped, &reconnect_url) {
                (Some(e), Some(url)) if self.reconnect && should_reconnect(&e) => {
                    match reconnect(url, &mut self.stop).await {
                        Some(s) => {
                            session = s;
                            pending.clear();
                            let mut st = self.shared.stats.borrow_mut();
                            st.nodes[self.node].reconnects += 1;
                        }
                        None => break 'session Some(e),
                    }
                }
                (dropped, _) => break 'session dropped,
            }
        };
        match ended {
            None => {
                if let Ok((messages, bytes)) = session.close_counted().await {
                    let mut st = self.shared.stats.borrow_mut();
                    let n = &mut st.nodes[self.node];
                    n.messages_total += messages;
                    n.bytes_total += bytes;
                }
            }
            Some(e) => {
                let mut st = self.shared.stats.borrow_mut();
                let code = e.close_code().unwrap_or(1006);
                let n = &mut st.nodes[self.node];
                n.connected -= 1;
                n.disconnects += 1;
                *n.close_codes.entry(code).or_default() += 1;
                let reason = match &e {
                    BotError::Closed { code, reason } => format!("{code}: {reason}"),
                    other => error_kind(other),
                };
                let key = if st.close_reasons.len() < MAX_CLOSE_REASONS
                    || st.close_reasons.contains_key(&reason)
                {
                    reason
                } else {
                    "other".into()
                };
                *st.close_reasons.entry(key).or_default() += 1;
            }
        }
    }

    /// Counts a message that did not decode (or a view the policy could not read).
    fn decode_error(&self) {
        let mut st = self.shared.stats.borrow_mut();
        st.nodes[self.node].decode_errors += 1;
    }

    /// The game's bot for seat `me`, found by the game name in the welcome.
    fn brain(&self, session: &Session, me: u8) -> Result<Box<dyn DynBot>, BotError> {
        let welcome = &session.welcome;
        let game = super::bots_for(&self.games, &welcome.game)?;
        let seed = (self.match_index as u64) << 8 | u64::from(me);
        Ok(game.bot(&welcome.facts.0, me, seed)?)
    }

    fn record_snapshot(
        &self,
        snap: &Snapshot,
        wire: Wire,
        recv_us: u64,
        decode_ns: u64,
        rtt: Option<Duration>,
    ) {
        let mut st = self.shared.stats.borrow_mut();
        st.snapshots_total += 1;
        let latency_us = recv_us.saturating_sub(snap.server_time_us).max(1);
        st.latency_all.saturating_record(latency_us);
        st.latency_interval.saturating_record(latency_us);
        if !st.in_window(snap.server_time_us) {
            return;
        }
        let on_wire = wire.len as u64 + ws_header_len(wire.len);
        st.role_wire_bytes_window[usize::from(!wire.player)] += on_wire;
        match wire.delta {
            true => st.deltas_window += 1,
            false => st.keyframes_window += 1,
        }
        st.decode_ns.saturating_record(decode_ns.max(1));
        let n = &mut st.nodes[self.node];
        n.snapshots_window += 1;
        n.bytes_window += wire.len as u64;
        n.wire_bytes_window += on_wire;
        n.latency_window.saturating_record(latency_us);
        if let Some(rtt) = rtt {
            st.rtt.saturating_record((rtt.as_micros() as u64).max(1));
        }
        TickSpan::widen(
            &mut st.ticks[self.match_index],
            snap.tick,
            snap.server_time_us,
        );
    }
}

/// How a snapshot came on the wire.
#[derive(Clone, Copy)]
struct Wire {
    /// Payload bytes.
    len: usize,
    /// To a player (else a spectator).
    player: bool,
    /// As a delta (else whole).
    delta: bool,
}

/// Pops the inputs this snapshot shows applied (seq ≤ its `ack`, wrapping) and returns the
/// round trip of the newest one, up to `received_at`.
fn applied_input_rtt(
    snap: &Snapshot,
    pending: &mut VecDeque<(u16, Instant)>,
    received_at: Instant,
) -> Option<Duration> {
    let applied = snap.ack?;
    let mut newest = None;
    while let Some(&(seq, sent)) = pending.front() {
        // Wrapping order: seq is at or before `applied` when the distance fits in half the space.
        if (applied.wrapping_sub(seq) as i16) < 0 {
            break;
        }
        pending.pop_front();
        newest = Some(sent);
    }
    newest.map(|sent| received_at.saturating_duration_since(sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap_with(last_input_seq: Option<u16>) -> Snapshot {
        Snapshot {
            ack: last_input_seq,
            ..Default::default()
        }
    }

    /// Only inputs at or before the applied seq are popped, across the u16 wrap.
    #[test]
    fn input_rtt_pops_applied_inputs_across_wrap() {
        let t = Instant::now();
        let mut pending: VecDeque<(u16, Instant)> = [(65534, t), (65535, t), (0, t), (1, t)]
            .into_iter()
            .collect();
        assert!(applied_input_rtt(&snap_with(Some(65535)), &mut pending, t).is_some());
        assert_eq!(pending.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1]);
        // An older applied seq pops nothing.
        assert!(applied_input_rtt(&snap_with(Some(65535)), &mut pending, t).is_none());
        assert!(applied_input_rtt(&snap_with(Some(0)), &mut pending, t).is_some());
        assert_eq!(pending.len(), 1);
        // A snapshot without an ack pops nothing.
        assert!(applied_input_rtt(&snap_with(None), &mut pending, t).is_none());
        assert_eq!(pending.len(), 1);
    }
}
