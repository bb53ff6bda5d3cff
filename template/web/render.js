// Draws king of the hill on a canvas: the field, the hill (in the king's colour), the players
// with their names and time on the hill. Knows nothing about the network: it draws the scene it
// is given, in world units.

import { makeCamera } from 'arena-sdk/camera.js';

/** A distinct, stable colour per seat. */
export function colorFor(id) {
  return `hsl(${((id * 137.508) % 360).toFixed(1)} 70% 58%)`;
}

/** Seconds from tenths of a second, for labels: "12.3 s". */
export const seconds = (ds) => `${(ds / 10).toFixed(1)} s`;

/**
 * Draws one frame and returns the camera (world ↔ canvas). `scene`: { facts, hill: {x, y},
 * king: seat | null, players: [{id, name, x, y, held_ds, onHill, shoved, connected, isMe}],
 * follow: {x, y} | null }.
 */
export function drawScene(ctx, viewW, viewH, scene) {
  const { facts } = scene;
  ctx.fillStyle = '#0b0f16';
  ctx.fillRect(0, 0, viewW, viewH);
  const cam = makeCamera(viewW, viewH, facts, scene.follow);
  const px = (d) => d * cam.scale;

  // The field and a grid every 100 units.
  const tl = cam.toScreen(0, 0);
  ctx.fillStyle = '#16202c';
  ctx.fillRect(tl.x, tl.y, px(facts.width), px(facts.height));
  ctx.strokeStyle = 'rgba(255,255,255,0.05)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = 100; x < facts.width; x += 100) {
    ctx.moveTo(tl.x + px(x), tl.y);
    ctx.lineTo(tl.x + px(x), tl.y + px(facts.height));
  }
  for (let y = 100; y < facts.height; y += 100) {
    ctx.moveTo(tl.x, tl.y + px(y));
    ctx.lineTo(tl.x + px(facts.width), tl.y + px(y));
  }
  ctx.stroke();
  ctx.strokeStyle = '#3a4a66';
  ctx.lineWidth = 3;
  ctx.strokeRect(tl.x, tl.y, px(facts.width), px(facts.height));

  // The hill: the king's colour, grey when free, striped red when contested.
  const hill = cam.toScreen(scene.hill.x, scene.hill.y);
  const contested = scene.king === null && scene.players.filter((p) => p.onHill).length > 1;
  ctx.beginPath();
  ctx.arc(hill.x, hill.y, px(facts.hill_radius), 0, Math.PI * 2);
  ctx.fillStyle = scene.king === null ? 'rgba(148,163,184,0.18)' : colorFor(scene.king).replace(')', ' / 0.35)');
  ctx.fill();
  ctx.lineWidth = 3;
  ctx.setLineDash(contested ? [8, 6] : []);
  ctx.strokeStyle = contested ? '#f87171' : scene.king === null ? '#94a3b8' : colorFor(scene.king);
  ctx.stroke();
  ctx.setLineDash([]);

  // Players, ours on top.
  const r = Math.max(4, px(facts.player_radius));
  for (const p of [...scene.players].sort((a, b) => a.isMe - b.isMe)) {
    const c = cam.toScreen(p.x, p.y);
    const king = p.id === scene.king;
    ctx.globalAlpha = p.connected ? 1 : 0.5;
    if (p.shoved) { // the reach of a shove, for the tick it happened
      ctx.beginPath();
      ctx.arc(c.x, c.y, px(facts.shove_range), 0, Math.PI * 2);
      ctx.strokeStyle = 'rgba(255,255,255,0.6)';
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    ctx.beginPath();
    ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
    ctx.fillStyle = colorFor(p.id);
    ctx.fill();
    ctx.lineWidth = p.isMe || king ? 3 : 1.5;
    ctx.strokeStyle = king ? '#facc15' : p.isMe ? '#ffffff' : 'rgba(0,0,0,0.6)';
    ctx.stroke();
    const label = `${king ? '♛ ' : ''}${p.name} · ${seconds(p.held_ds)}`;
    ctx.font = `${p.isMe ? 'bold ' : ''}13px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0,0,0,0.8)';
    ctx.strokeText(label, c.x, c.y - r - 4);
    ctx.fillStyle = king ? '#facc15' : '#e8ecf4';
    ctx.fillText(label, c.x, c.y - r - 4);
    ctx.globalAlpha = 1;
  }
  return cam;
}
