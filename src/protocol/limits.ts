/**
 * Protocol limits. They are part of the contract in docs/PROTOCOL.md: a peer that
 * exceeds one gets an `error` reply with the code named beside it.
 */

/** The protocol version spoken by this code (`hello.v`, `welcome.v`). */
export const PROTOCOL_VERSION = 1;

/** Largest frame the hub accepts, in bytes (`bad_frame`). Also the socket's maxMessageSize. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Most JSON frames in one client → hub message (`bad_frame`). */
export const MAX_FRAMES = 16;

/** Longest `text` of a say, msg, topic, part or away, in UTF-8 bytes (`text_too_long`). */
export const MAX_TEXT_BYTES = 4096;

/** Longest client message id (`bad_field`). */
export const MAX_ID_LENGTH = 64;

/** Session secrets: long enough to be unguessable, short enough to be cheap (`bad_field`). */
export const MIN_SESSION_LENGTH = 16;
export const MAX_SESSION_LENGTH = 128;

/** Longest `client` string in hello (`bad_field`). */
export const MAX_CLIENT_NAME_LENGTH = 64;

/** Most events one history reply carries; a larger `limit` is clamped to it. */
export const MAX_HISTORY_LIMIT = 500;

/**
 * Most bytes of events one history reply carries: a page stops short of its `limit` there
 * (with at least one event) and says `more`, so a page of long lines is asked for in parts.
 */
export const MAX_HISTORY_BYTES = 256 * 1024;

/** Default number of events a history request returns when it gives no limit. */
export const DEFAULT_HISTORY_LIMIT = 50;

/** Most rooms one session may be in at once (`too_many_rooms`). */
export const MAX_ROOMS_PER_SESSION = 32;

/** Nick rules: ASCII letters, digits, `_`, `.`, `-`; 1 to 16 characters. */
export const NICK_PATTERN = /^[A-Za-z0-9_.-]{1,16}$/;
export const MAX_NICK_LENGTH = 16;

/** Room rules: lowercase letters, digits, `-`, `_`; 1 to 32 characters (a leading `#` is accepted and dropped). */
export const ROOM_PATTERN = /^[a-z0-9_-]{1,32}$/;

/** Most rooms a hub keeps track of (`too_many_rooms`): a peer cannot grow its tables without bound. */
export const MAX_ROOMS_PER_HUB = 10_000;

/** Most sessions one public key may hold at once on a hub with keys (`hub_full`). */
export const MAX_SESSIONS_PER_KEY = 16;

/** Longest ban or mute a duration can name: ten years (`bad_field`); leave it out for "for good". */
export const MAX_DURATION_MS = 10 * 365 * 24 * 3600 * 1000;

/** Longest kick, ban or mute reason, in UTF-8 bytes (`text_too_long`). */
export const MAX_REASON_BYTES = 512;

/** The default flood limit: a burst of 5 messages, then one a second (IRC servers do about this). */
export const DEFAULT_RATE_BURST = 5;
export const DEFAULT_RATE_SECONDS = 5;
