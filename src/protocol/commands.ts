/** The commands of protocol version 1 (client → hub, one JSON object per frame): what each asks of the hub. */

/** Fields every command may carry. */
export interface CommandBase {
	/** The client's id for this command; replies to it carry it back as `re`. Required for say and msg. */
	readonly id?: string;
}

export interface HelloCommand extends CommandBase {
	readonly type: 'hello';
	/** Protocol version the client speaks. */
	readonly v: number;
	/** The nick to use. */
	readonly nick: string;
	/**
	 * A secret the client made up (16–128 characters) and keeps for as long as it runs. Sending
	 * it again (after a reconnect) resumes the same session; the hub also uses it to drop
	 * resent duplicates of a message.
	 */
	readonly session: string;
	/** Rooms to join at once. @default ["lobby"] */
	readonly rooms?: readonly string[];
	/** The client's name and version, for /whois and logs. */
	readonly client?: string;
}

export interface SayCommand extends CommandBase {
	readonly type: 'say';
	readonly id: string;
	readonly room: string;
	readonly text: string;
	/** An action (`/me waves`) rather than a plain message. @default false */
	readonly action?: boolean;
}

export interface JoinCommand extends CommandBase {
	readonly type: 'join';
	readonly room: string;
}

export interface PartCommand extends CommandBase {
	readonly type: 'part';
	readonly room: string;
	readonly reason?: string;
}

export interface NickCommand extends CommandBase {
	readonly type: 'nick';
	readonly nick: string;
}

export interface TopicCommand extends CommandBase {
	readonly type: 'topic';
	readonly room: string;
	/** The new topic; leave it out to ask for the current one. An empty string clears it. */
	readonly text?: string;
}

export interface WhoCommand extends CommandBase {
	readonly type: 'who';
	/** Only this room's members; leave it out for everyone on the hub. */
	readonly room?: string;
}

export interface WhoisCommand extends CommandBase {
	readonly type: 'whois';
	readonly nick: string;
}

export interface RoomsCommand extends CommandBase {
	readonly type: 'rooms';
}

export interface MsgCommand extends CommandBase {
	readonly type: 'msg';
	readonly id: string;
	readonly to: string;
	readonly text: string;
	readonly action?: boolean;
}

export interface AwayCommand extends CommandBase {
	readonly type: 'away';
	/** The away message; leave it out (or empty) to come back. */
	readonly text?: string;
}

export interface HistoryCommand extends CommandBase {
	readonly type: 'history';
	readonly room: string;
	/** Events with seq greater than this, oldest first. */
	readonly after?: number;
	/** The latest events with seq less than this. */
	readonly before?: number;
	/** How many events at most. @default 50 (at most 500) */
	readonly limit?: number;
}

export interface PingCommand extends CommandBase {
	readonly type: 'ping';
}

export interface ByeCommand extends CommandBase {
	readonly type: 'bye';
	readonly reason?: string;
}

export interface StatsCommand extends CommandBase {
	readonly type: 'stats';
}

// Moderation: operators only (the hub's --op list). Everyone else gets `not_operator`.

/** End someone's session; their client is told why and by whom. */
export interface KickCommand extends CommandBase {
	readonly type: 'kick';
	readonly nick: string;
	readonly reason?: string;
}

/**
 * Ban a nick or a public key (z85, 40 characters) from the hub, for `durationMs` or for good.
 * Bans are kept in the hub's store. Banning the nick of someone online also ends their
 * session, and on a hub with keys bans their key as well.
 */
export interface BanCommand extends CommandBase {
	readonly type: 'ban';
	readonly target: string;
	readonly durationMs?: number;
	readonly reason?: string;
}

export interface UnbanCommand extends CommandBase {
	readonly type: 'unban';
	readonly target: string;
}

/** List the bans in force. */
export interface BansCommand extends CommandBase {
	readonly type: 'bans';
}

/** Stop someone from speaking (say, msg, topic, nick) for `durationMs` or until unmuted. */
export interface MuteCommand extends CommandBase {
	readonly type: 'mute';
	readonly nick: string;
	readonly durationMs?: number;
	readonly reason?: string;
}

export interface UnmuteCommand extends CommandBase {
	readonly type: 'unmute';
	readonly nick: string;
}

/** Lock (or unlock) a room's topic: while locked only operators can change it. */
export interface LockCommand extends CommandBase {
	readonly type: 'lock';
	readonly room: string;
	readonly locked: boolean;
}

export type Command =
	| HelloCommand
	| SayCommand
	| JoinCommand
	| PartCommand
	| NickCommand
	| TopicCommand
	| WhoCommand
	| WhoisCommand
	| RoomsCommand
	| MsgCommand
	| AwayCommand
	| HistoryCommand
	| PingCommand
	| ByeCommand
	| StatsCommand
	| KickCommand
	| BanCommand
	| UnbanCommand
	| BansCommand
	| MuteCommand
	| UnmuteCommand
	| LockCommand;

export type CommandType = Command['type'];
