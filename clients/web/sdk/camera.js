// World ↔ canvas mapping for 2D games: the whole world fitted to the canvas, or zoomed on a
// followed point and kept inside the world's edges.

/** Zoom when following a point, relative to fitting the whole world. */
export const FOLLOW_ZOOM = 1.8;
/** Empty space around the world when it is fitted to the canvas, CSS pixels. */
const MARGIN_PX = 16;

/** `world`: {width, height}; `follow`: {x, y} or null. */
export function makeCamera(viewW, viewH, world, follow = null) {
  const fit = Math.min((viewW - 2 * MARGIN_PX) / world.width, (viewH - 2 * MARGIN_PX) / world.height);
  const scale = Math.max(0.05, follow ? fit * FOLLOW_ZOOM : fit);
  let cx = world.width / 2;
  let cy = world.height / 2;
  if (follow) {
    // Keep the view inside the world where it can be.
    const halfW = viewW / 2 / scale;
    const halfH = viewH / 2 / scale;
    cx = world.width > 2 * halfW ? Math.min(world.width - halfW, Math.max(halfW, follow.x)) : cx;
    cy = world.height > 2 * halfH ? Math.min(world.height - halfH, Math.max(halfH, follow.y)) : cy;
  }
  const ox = viewW / 2 - cx * scale;
  const oy = viewH / 2 - cy * scale;
  return {
    scale,
    toScreen: (x, y) => ({ x: ox + x * scale, y: oy + y * scale }),
    toWorld: (sx, sy) => ({ x: (sx - ox) / scale, y: (sy - oy) / scale }),
  };
}
