// Declarations of chat.js: what a client may send (trimmed like the server, at most 200 bytes)
// and a bounded log of what it received.

/** The server's trim (Unicode White_Space, as Rust's str::trim). */
export declare function trimLikeServer(text: string): string;

/** The text to send for what a person typed, cut to MAX_CHAT_BYTES, or null when nothing is left. */
export declare function chatText(text: string): string | null;

/** Who a Chat message is from, in words. */
export declare function chatSender(msg: { name: string; from: number | null }): string;

/** A line of the log. */
export type ChatLine =
  | { kind: 'chat'; name: string; text: string; from: number | null }
  | { kind: 'system'; text: string };

/** The last `max` lines (default 60). */
export declare class ChatLog {
  constructor(max?: number);
  max: number;
  lines: ChatLine[];
  push<L extends ChatLine>(line: L): L;
  /** A received Chat message. */
  message(msg: { name: string; from: number | null; text: string }): Extract<ChatLine, { kind: 'chat' }>;
  system(text: string): Extract<ChatLine, { kind: 'system' }>;
}
