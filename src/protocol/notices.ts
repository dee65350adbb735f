/** What the hub tells of bans, unasked notices (kicked, banned, shutdown …) and errors, with every error code. */

export interface BanInfo {
	/** The banned nick, or public key (z85). */
	readonly target: string;
	readonly kind: 'nick' | 'key';
	/** When the ban ends, ms since 1970; absent for a ban for good. */
	readonly until?: number;
	/** The operator who banned. */
	readonly by: string;
	readonly reason?: string;
	readonly since: number;
}

export interface BansReply {
	readonly type: 'bans';
	readonly re?: string;
	readonly bans: readonly BanInfo[];
}

/**
 * Something the hub tells one session without being asked: it is going away (shutdown), it
 * ended the session (timeout seen late), an operator removed or silenced you (kicked,
 * banned, muted, unmuted), or your key is no longer on the hub's list (revoked).
 */
export interface NoticeReply {
	readonly type: 'notice';
	readonly code: 'shutdown' | 'session_ended' | 'kicked' | 'banned' | 'muted' | 'unmuted' | 'revoked';
	readonly message: string;
	/** For muted: when the mute ends (ms since 1970); absent for a mute until unmuted. */
	readonly until?: number;
}

export type ErrorCode =
	| 'bad_frame'
	| 'bad_utf8'
	| 'bad_json'
	| 'bad_type'
	| 'bad_field'
	| 'bad_version'
	| 'no_session'
	| 'nick_invalid'
	| 'nick_taken'
	| 'room_invalid'
	| 'not_in_room'
	| 'too_many_rooms'
	| 'text_empty'
	| 'text_too_long'
	| 'no_such_nick'
	| 'storage_failed'
	| 'hub_full'
	| 'shutting_down'
	| 'rate_limited'
	| 'unauthenticated'
	| 'unauthorized'
	| 'nick_reserved'
	| 'banned'
	| 'muted'
	| 'not_operator'
	| 'not_banned'
	| 'topic_locked'
	| 'not_relay';

export interface ErrorReply {
	readonly type: 'error';
	/** The id of the command this answers, when it had one and could be read. */
	readonly re?: string;
	readonly code: ErrorCode;
	/** What went wrong and what to do, in words for a person. */
	readonly message: string;
	/** Try again after this many milliseconds (storage_failed, rate_limited, muted, banned). */
	readonly retryAfterMs?: number;
}
