// Draws the deathmatch on a canvas: floor, players (name, health bar, aim), attack beams and hit
// flashes. Knows nothing about the network: it draws the scene it is given.

import { makeCamera } from 'arena-sdk/camera.js';

/** A distinct, stable colour per seat. */
export function colorFor(id) {
  const hue = (id * 137.508) % 360;
  return `hsl(${hue.toFixed(1)} 70% 58%)`;
}

/** How long an attack beam and a hit flash stay visible, ms. */
export const BEAM_MS = 250;
export const HIT_MS = 250;

function drawFloor(ctx, cam, arena) {
  const tl = cam.toScreen(0, 0);
  const w = arena.width * cam.scale;
  const h = arena.height * cam.scale;
  ctx.fillStyle = '#141a24';
  ctx.fillRect(tl.x, tl.y, w, h);
  ctx.strokeStyle = 'rgba(255,255,255,0.05)';
  ctx.lineWidth = 1;
  const grid = 100;
  ctx.beginPath();
  for (let x = grid; x < arena.width; x += grid) {
    const s = cam.toScreen(x, 0);
    ctx.moveTo(Math.round(s.x) + 0.5, tl.y);
    ctx.lineTo(Math.round(s.x) + 0.5, tl.y + h);
  }
  for (let y = grid; y < arena.height; y += grid) {
    const s = cam.toScreen(0, y);
    ctx.moveTo(tl.x, Math.round(s.y) + 0.5);
    ctx.lineTo(tl.x + w, Math.round(s.y) + 0.5);
  }
  ctx.stroke();
  ctx.strokeStyle = '#3a4a66';
  ctx.lineWidth = 3;
  ctx.strokeRect(tl.x, tl.y, w, h);
}

/**
 * Length of a beam from (x, y) along `aimRad`: up to the nearest living player (other than
 * `shooterId`) whose circle it touches, else the full attack range; the server's hit rule.
 */
export function beamLength(x, y, aimRad, players, arena, shooterId) {
  const dx = Math.cos(aimRad);
  const dy = Math.sin(aimRad);
  let best = arena.attack_range;
  for (const p of players) {
    if (p.id === shooterId || !p.alive) continue;
    const qx = p.x - x;
    const qy = p.y - y;
    const along = qx * dx + qy * dy;
    const off = Math.abs(qx * dy - qy * dx);
    if (along >= 0 && along <= arena.attack_range + arena.player_radius && off <= arena.player_radius) {
      best = Math.min(best, Math.max(0, along - Math.sqrt(arena.player_radius ** 2 - off ** 2)));
    }
  }
  return best;
}

function drawBeam(ctx, cam, beam, now) {
  const age = Math.max(0, (now - beam.at) / BEAM_MS);
  if (age >= 1) return;
  const from = cam.toScreen(beam.x, beam.y);
  const to = cam.toScreen(beam.x + Math.cos(beam.aimRad) * beam.length, beam.y + Math.sin(beam.aimRad) * beam.length);
  ctx.save();
  ctx.globalAlpha = 1 - age;
  ctx.strokeStyle = beam.color;
  ctx.lineWidth = Math.max(2, 4 * cam.scale);
  ctx.shadowColor = beam.color;
  ctx.shadowBlur = 12;
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
  ctx.restore();
}

function drawPlayer(ctx, cam, arena, p, now) {
  const c = cam.toScreen(p.x, p.y);
  const r = Math.max(4, arena.player_radius * cam.scale);
  const color = colorFor(p.id);
  ctx.save();
  if (!p.alive) ctx.globalAlpha = 0.3;
  else if (!p.connected) ctx.globalAlpha = 0.55;
  if (p.isMe) {
    ctx.beginPath();
    ctx.arc(c.x, c.y, r + 7, 0, Math.PI * 2);
    ctx.fillStyle = 'rgba(255, 230, 120, 0.18)';
    ctx.fill();
  }
  ctx.beginPath();
  ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = p.isMe ? 3 : 1.5;
  ctx.strokeStyle = p.isMe ? '#ffe678' : 'rgba(0,0,0,0.6)';
  ctx.stroke();
  if (p.alive) {
    // Aim: a notch from the centre to past the rim.
    const ax = Math.cos(p.aimRad);
    const ay = Math.sin(p.aimRad);
    ctx.beginPath();
    ctx.moveTo(c.x + ax * r * 0.3, c.y + ay * r * 0.3);
    ctx.lineTo(c.x + ax * (r + 9), c.y + ay * (r + 9));
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#f4f6fb';
    ctx.stroke();
  }
  const hitAge = p.hitAt ? (now - p.hitAt) / HIT_MS : 1;
  if (hitAge < 1) {
    ctx.beginPath();
    ctx.arc(c.x, c.y, r + 3, 0, Math.PI * 2);
    ctx.lineWidth = 4;
    ctx.strokeStyle = `rgba(255, 70, 70, ${1 - hitAge})`;
    ctx.stroke();
  }
  ctx.restore();

  // Health bar and name above the circle.
  const barW = Math.max(30, r * 2.2);
  const barY = c.y - r - 12;
  const frac = arena.max_health ? Math.max(0, Math.min(1, p.health / arena.max_health)) : 0;
  ctx.fillStyle = 'rgba(0,0,0,0.6)';
  ctx.fillRect(c.x - barW / 2 - 1, barY - 1, barW + 2, 6);
  ctx.fillStyle = frac > 0.5 ? '#4ade80' : frac > 0.25 ? '#facc15' : '#f87171';
  ctx.fillRect(c.x - barW / 2, barY, barW * frac, 4);
  ctx.font = `${p.isMe ? 'bold ' : ''}13px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  const score = p.kills === undefined ? '' : ` · ${p.kills}`;
  const label = `${p.isMe ? '▶ ' : ''}${p.name}${score}${p.connected ? '' : ' (offline)'}`;
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0,0,0,0.8)';
  ctx.strokeText(label, c.x, barY - 3);
  ctx.fillStyle = p.isMe ? '#ffe678' : '#e8ecf4';
  ctx.fillText(label, c.x, barY - 3);
  if (!p.alive) {
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#cbd5e1';
    ctx.fillText('respawning…', c.x, c.y + r + 4);
  }
}

/**
 * Draws one frame. `scene`: { arena, players: [{id, name, x, y, aimRad, health, kills, alive,
 * connected, isMe, hitAt}], beams: [{x, y, aimRad, length, color, at}], follow: {x, y} | null }.
 * Returns the camera used (for mouse aim and tests).
 */
export function drawScene(ctx, viewW, viewH, scene, now) {
  ctx.clearRect(0, 0, viewW, viewH);
  ctx.fillStyle = '#0b0f16';
  ctx.fillRect(0, 0, viewW, viewH);
  if (!scene.arena) return null;
  const cam = makeCamera(viewW, viewH, scene.arena, scene.follow);
  drawFloor(ctx, cam, scene.arena);
  for (const beam of scene.beams) drawBeam(ctx, cam, beam, now);
  // Dead first, then the living, the local player on top.
  const order = [...scene.players].sort((a, b) => (a.alive - b.alive) || (a.isMe - b.isMe));
  for (const p of order) drawPlayer(ctx, cam, scene.arena, p, now);
  return cam;
}
