// Declarations of camera.js: world ↔ canvas mapping for 2D games.

/** Zoom when following a point, relative to fitting the whole world. */
export declare const FOLLOW_ZOOM: number;

export interface Point {
  x: number;
  y: number;
}

export interface Camera {
  /** Canvas pixels per world unit. */
  scale: number;
  toScreen(x: number, y: number): Point;
  toWorld(sx: number, sy: number): Point;
}

/** The whole `world` fitted to a `viewW` × `viewH` canvas, or zoomed on `follow` inside the world's edges. */
export declare function makeCamera(
  viewW: number,
  viewH: number,
  world: { width: number; height: number },
  follow?: Point | null,
): Camera;
