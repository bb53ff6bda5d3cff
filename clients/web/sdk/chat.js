// Chat for any game: what a client may send (trimmed like the server trims, at most 200 bytes)
// and a bounded log of the lines received.

import { MAX_CHAT_BYTES } from './protocol.js';

// Unicode White_Space, as Rust's str::trim uses it (JS's trim differs on U+0085 and U+FEFF).
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');

/** The server's trim. */
export function trimLikeServer(text) {
  return String(text).replace(TRIM, '');
}

/**
 * The text to send for what a person typed: trimmed, cut to MAX_CHAT_BYTES of UTF-8 on a
 * character boundary, or null when nothing is left (the server would refuse it).
 */
export function chatText(text) {
  const enc = new TextEncoder();
  let t = trimLikeServer(text);
  if (enc.encode(t).length > MAX_CHAT_BYTES) {
    const chars = Array.from(t);
    while (chars.length && enc.encode(chars.join('')).length > MAX_CHAT_BYTES) chars.pop();
    t = trimLikeServer(chars.join(''));
  }
  return t.length ? t : null;
}

/** Who a Chat message is from, in words. */
export function chatSender(msg) {
  if (msg.name) return msg.name;
  return msg.from === null ? 'spectator' : `Player ${msg.from}`;
}

/** The last `max` lines: `{kind: 'chat'|'system', name?, text}`. */
export class ChatLog {
  constructor(max = 60) {
    this.max = max;
    this.lines = [];
  }

  push(line) {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    return line;
  }

  /** A received Chat message. */
  message(msg) {
    return this.push({ kind: 'chat', name: chatSender(msg), text: msg.text, from: msg.from });
  }

  system(text) {
    return this.push({ kind: 'system', text });
  }
}
