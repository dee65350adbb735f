/**
 * The messages of protocol version 1, as TypeScript types. docs/PROTOCOL.md is the contract
 * these types follow; every field is described there with an example.
 *
 * Three kinds of message, each in a file of its own:
 * - commands, client → hub over DEALER (or REQ) → ROUTER, one JSON object per frame (commands.ts);
 * - replies, hub → one client over ROUTER → DEALER, one JSON object per frame (replies.ts; the
 *   hub's figures in stats.ts; bans, notices and errors in notices.ts);
 * - feed events, hub → everyone subscribed over PUB → SUB, as [topic, event, event, …] (events.ts).
 */
export type * from './commands.js';
export type * from './events.js';
export type * from './replies.js';
export type * from './stats.js';
export type * from './notices.js';
