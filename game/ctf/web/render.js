// Draws capture the flag on a canvas: the field's two halves, the bases, the flags (at base,
// carried on their carrier, or dropped), the players in team colours (carriers highlighted,
// stamina for the team whose stamina the view knows), the fog of war outside the sight circles
// of the viewing team, and the score. Knows nothing about the network: it draws the scene it is
// given.

import { makeCamera } from 'arena-sdk/camera.js';
import { BLUE, RED, TEAM_NAMES } from './codec.js';

export const TEAM_COLORS = ['#ef4444', '#3b82f6'];
const TEAM_FIELD = ['#1d1416', '#131a27'];
const TEAM_LIGHT = ['#fca5a5', '#93c5fd'];
/** Darkness of the fog (alpha of the dark layer outside sight). */
export const FOG_ALPHA = 0.78;

export function teamColor(team) {
  return TEAM_COLORS[team] ?? '#9ca3af';
}

function drawField(ctx, cam, f) {
  const tl = cam.toScreen(0, 0);
  const mid = cam.toScreen(f.width / 2, f.height);
  const br = cam.toScreen(f.width, f.height);
  ctx.fillStyle = TEAM_FIELD[RED];
  ctx.fillRect(tl.x, tl.y, mid.x - tl.x, br.y - tl.y);
  ctx.fillStyle = TEAM_FIELD[BLUE];
  ctx.fillRect(mid.x, tl.y, br.x - mid.x, br.y - tl.y);
  // Grid.
  ctx.strokeStyle = 'rgba(255,255,255,0.04)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = 100; x < f.width; x += 100) {
    const s = cam.toScreen(x, 0);
    ctx.moveTo(Math.round(s.x) + 0.5, tl.y);
    ctx.lineTo(Math.round(s.x) + 0.5, br.y);
  }
  for (let y = 100; y < f.height; y += 100) {
    const s = cam.toScreen(0, y);
    ctx.moveTo(tl.x, Math.round(s.y) + 0.5);
    ctx.lineTo(br.x, Math.round(s.y) + 0.5);
  }
  ctx.stroke();
  // The half-way line: tags only work in the tagger's own half.
  ctx.save();
  ctx.setLineDash([10, 8]);
  ctx.strokeStyle = 'rgba(255,255,255,0.35)';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(mid.x, tl.y);
  ctx.lineTo(mid.x, br.y);
  ctx.stroke();
  ctx.restore();
  ctx.strokeStyle = '#3a4a66';
  ctx.lineWidth = 3;
  ctx.strokeRect(tl.x, tl.y, br.x - tl.x, br.y - tl.y);
}

function drawBase(ctx, cam, f, team, base) {
  const c = cam.toScreen(base.x, base.y);
  const r = f.base_radius * cam.scale;
  ctx.save();
  ctx.beginPath();
  ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
  ctx.fillStyle = team === RED ? 'rgba(239,68,68,0.16)' : 'rgba(59,130,246,0.16)';
  ctx.fill();
  ctx.setLineDash([6, 5]);
  ctx.lineWidth = 2;
  ctx.strokeStyle = teamColor(team);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.font = 'bold 11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = TEAM_LIGHT[team];
  ctx.fillText(`${TEAM_NAMES[team].toUpperCase()} BASE`, c.x, c.y + r + 4);
  ctx.restore();
}

/** A flag: a pole and a pennant of its team's colour, its foot at (x, y) in world units. */
function drawFlag(ctx, cam, x, y, team, { size = 1, glow = false } = {}) {
  const c = cam.toScreen(x, y);
  const h = Math.max(18, 34 * cam.scale) * size;
  ctx.save();
  if (glow) {
    ctx.shadowColor = teamColor(team);
    ctx.shadowBlur = 14;
  }
  ctx.strokeStyle = '#e5e7eb';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(c.x, c.y);
  ctx.lineTo(c.x, c.y - h);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(c.x, c.y - h);
  ctx.lineTo(c.x + h * 0.7, c.y - h * 0.78);
  ctx.lineTo(c.x, c.y - h * 0.55);
  ctx.closePath();
  ctx.fillStyle = teamColor(team);
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(0,0,0,0.6)';
  ctx.stroke();
  ctx.restore();
}

/** A player's circle, with its rings (carrier, sprint, tag flash) and a carried flag. */
function drawBody(ctx, cam, f, p) {
  const c = cam.toScreen(p.x, p.y);
  const r = Math.max(4, f.player_radius * cam.scale);
  const color = teamColor(p.team);
  ctx.save();
  if (!p.inPlay) ctx.globalAlpha = 0.3;
  else if (!p.connected) ctx.globalAlpha = 0.55;
  if (p.carrying) {
    // The carrier: a ring in the colour of the flag it carries.
    ctx.beginPath();
    ctx.arc(c.x, c.y, r + 7, 0, Math.PI * 2);
    ctx.fillStyle = 'rgba(255, 230, 120, 0.22)';
    ctx.fill();
    ctx.lineWidth = 3;
    ctx.strokeStyle = teamColor(1 - p.team);
    ctx.stroke();
  }
  if (p.sprinting) {
    ctx.beginPath();
    ctx.arc(c.x, c.y, r + 3, 0, Math.PI * 2);
    ctx.lineWidth = 2;
    ctx.strokeStyle = 'rgba(255,255,255,0.5)';
    ctx.stroke();
  }
  ctx.beginPath();
  ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = p.isMe ? 3 : 1.5;
  ctx.strokeStyle = p.isMe ? '#ffe678' : 'rgba(0,0,0,0.6)';
  ctx.stroke();
  if (p.tagFlash) {
    ctx.beginPath();
    ctx.arc(c.x, c.y, r + 10, 0, Math.PI * 2);
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(255,255,255,0.9)';
    ctx.stroke();
  }
  ctx.restore();
  if (p.carrying) {
    // The carried flag, planted on the carrier's shoulder.
    drawFlag(ctx, cam, p.x + f.player_radius * 0.5, p.y - f.player_radius * 0.5, 1 - p.team, { size: 1.15, glow: true });
  }
}

/** A player's name (above) and stamina (below, where the view knows it). Drawn before every
 * body, so that players standing close keep their circles visible. */
function drawLabel(ctx, cam, f, p) {
  const c = cam.toScreen(p.x, p.y);
  const r = Math.max(4, f.player_radius * cam.scale);
  // Stamina (only where the view knows it) and the name above the circle.
  let labelY = c.y - r - 6;
  if (p.stamina !== null) {
    const barW = Math.max(26, r * 2.2);
    const barY = c.y + r + 4;
    const frac = Math.max(0, Math.min(1, p.stamina / 100));
    ctx.fillStyle = 'rgba(0,0,0,0.6)';
    ctx.fillRect(c.x - barW / 2 - 1, barY - 1, barW + 2, 5);
    ctx.fillStyle = frac > 0.5 ? '#4ade80' : frac > 0.2 ? '#facc15' : '#f87171';
    ctx.fillRect(c.x - barW / 2, barY, barW * frac, 3);
  }
  if (p.carrying) labelY -= 16;
  ctx.font = `${p.isMe ? 'bold ' : ''}12px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  const label = `${p.isMe ? '▶ ' : ''}${p.name}${p.connected ? '' : ' (offline)'}${p.inPlay ? '' : ' · out'}`;
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0,0,0,0.8)';
  ctx.strokeText(label, c.x, labelY);
  ctx.fillStyle = p.isMe ? '#ffe678' : TEAM_LIGHT[p.team] ?? '#e8ecf4';
  ctx.fillText(label, c.x, labelY);
}

function drawTarget(ctx, cam, t) {
  const c = cam.toScreen(t.x, t.y);
  ctx.save();
  ctx.strokeStyle = 'rgba(255, 230, 120, 0.8)';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(c.x, c.y, 7, 0, Math.PI * 2);
  ctx.moveTo(c.x - 11, c.y);
  ctx.lineTo(c.x - 4, c.y);
  ctx.moveTo(c.x + 4, c.y);
  ctx.lineTo(c.x + 11, c.y);
  ctx.stroke();
  ctx.restore();
}

let fogCanvas = null;

function fogLayer(w, h) {
  if (!fogCanvas) {
    fogCanvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : document.createElement('canvas');
  }
  if (fogCanvas.width !== w || fogCanvas.height !== h) {
    fogCanvas.width = w;
    fogCanvas.height = h;
  }
  return fogCanvas;
}

/**
 * Darkens the field outside the circles `sight` ([{x, y, r}], world units): a dark layer with the
 * circles cut out, soft at the edge, so overlapping circles simply add up.
 */
function drawFog(ctx, cam, f, sight, dpr) {
  const pw = ctx.canvas.width;
  const ph = ctx.canvas.height;
  const layer = fogLayer(pw, ph);
  const fx = layer.getContext('2d');
  fx.setTransform(1, 0, 0, 1, 0, 0);
  fx.globalCompositeOperation = 'source-over';
  fx.clearRect(0, 0, pw, ph);
  fx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const tl = cam.toScreen(0, 0);
  const br = cam.toScreen(f.width, f.height);
  fx.fillStyle = `rgba(3, 5, 9, ${FOG_ALPHA})`;
  fx.fillRect(tl.x, tl.y, br.x - tl.x, br.y - tl.y);
  fx.globalCompositeOperation = 'destination-out';
  for (const s of sight) {
    const c = cam.toScreen(s.x, s.y);
    const r = s.r * cam.scale;
    const g = fx.createRadialGradient(c.x, c.y, r * 0.88, c.x, c.y, r);
    g.addColorStop(0, 'rgba(0,0,0,1)');
    g.addColorStop(1, 'rgba(0,0,0,0)');
    fx.fillStyle = g;
    fx.beginPath();
    fx.arc(c.x, c.y, r, 0, Math.PI * 2);
    fx.fill();
  }
  fx.globalCompositeOperation = 'source-over';
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(layer, 0, 0);
  ctx.restore();
  // The rim of what the team sees.
  ctx.save();
  ctx.strokeStyle = 'rgba(255,255,255,0.12)';
  ctx.lineWidth = 1;
  for (const s of sight) {
    const c = cam.toScreen(s.x, s.y);
    ctx.beginPath();
    ctx.arc(c.x, c.y, s.r * cam.scale, 0, Math.PI * 2);
    ctx.stroke();
  }
  ctx.restore();
}

function drawScore(ctx, viewW, scene) {
  const [red, blue] = scene.captures;
  const text = `${red} : ${blue}`;
  ctx.save();
  ctx.font = 'bold 20px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  const half = ctx.measureText(text).width / 2;
  const gap = 10;
  const redW = ctx.measureText('RED').width;
  const blueW = ctx.measureText('BLUE').width;
  const w = 2 * (half + gap + Math.max(redW, blueW)) + 28;
  ctx.fillStyle = 'rgba(11, 15, 22, 0.85)';
  ctx.fillRect(viewW / 2 - w / 2, 2, w, 30);
  ctx.textAlign = 'right';
  ctx.fillStyle = TEAM_COLORS[RED];
  ctx.fillText('RED', viewW / 2 - half - gap, 7);
  ctx.textAlign = 'left';
  ctx.fillStyle = TEAM_COLORS[BLUE];
  ctx.fillText('BLUE', viewW / 2 + half + gap, 7);
  ctx.textAlign = 'center';
  ctx.fillStyle = '#f4f6fb';
  ctx.fillText(text, viewW / 2, 7);
  if (scene.notes.length) {
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillStyle = '#fde68a';
    scene.notes.forEach((note, i) => ctx.fillText(note, viewW / 2, 38 + i * 17));
  }
  ctx.restore();
}

/**
 * Draws one frame. `scene`: { facts, bases: [{x, y}] (world units), players: [{id, team, name, x, y, inPlay, carrying,
 * sprinting, stamina (null when unknown), connected, isMe, tagFlash}], flags: [{team, x, y,
 * kind}] (the flags lying on the field or at base), sight: [{x, y, r}] | null (null: no fog),
 * captures: [red, blue], notes: [text], target: {x, y} | null, follow: {x, y} | null, dpr }.
 * Returns the camera used.
 */
export function drawScene(ctx, viewW, viewH, scene) {
  ctx.clearRect(0, 0, viewW, viewH);
  ctx.fillStyle = '#0b0f16';
  ctx.fillRect(0, 0, viewW, viewH);
  if (!scene.facts) return null;
  const f = scene.facts;
  const cam = makeCamera(viewW, viewH, f, scene.follow);
  drawField(ctx, cam, f);
  scene.bases.forEach((b, team) => drawBase(ctx, cam, f, team, b));
  if (scene.sight) drawFog(ctx, cam, f, scene.sight, scene.dpr ?? 1);
  // Flags at base or on the ground are public: drawn above the fog.
  for (const flag of scene.flags) drawFlag(ctx, cam, flag.x, flag.y, flag.team, { glow: flag.kind === 'Dropped' });
  if (scene.target) drawTarget(ctx, cam, scene.target);
  const order = [...scene.players].sort((a, b) => (a.inPlay - b.inPlay) || (a.carrying - b.carrying) || (a.isMe - b.isMe));
  for (const p of order) drawLabel(ctx, cam, f, p);
  for (const p of order) drawBody(ctx, cam, f, p);
  drawScore(ctx, viewW, scene);
  return cam;
}
