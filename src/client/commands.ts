import {parseDuration} from '../protocol/durations.js';
import {nickProblem, parseRoom} from '../protocol/names.js';
import {isZ85Key} from '../protocol/z85.js';

/**
 * What a typed line means. Plain text is said in the current room (or conversation); a line
 * starting with "/" is a command. "//text" says "/text". Parsing is pure and shared by the
 * TUI and line mode, so every command works the same in both.
 */
export type Intent =
	| {readonly type: 'say'; readonly text: string}
	| {readonly type: 'me'; readonly text: string}
	| {readonly type: 'msg'; readonly to: string; readonly text: string}
	| {readonly type: 'query'; readonly nick: string; readonly text?: string}
	| {readonly type: 'close'}
	| {readonly type: 'set'; readonly name: string; readonly value: string}
	| {readonly type: 'reply'; readonly text: string}
	| {readonly type: 'join'; readonly room: string}
	| {readonly type: 'part'; readonly room?: string; readonly reason?: string}
	| {readonly type: 'rooms'}
	| {readonly type: 'topic'; readonly text?: string}
	| {readonly type: 'switch'; readonly view: string}
	| {readonly type: 'nick'; readonly nick: string}
	| {readonly type: 'who'; readonly room?: string}
	| {readonly type: 'whois'; readonly nick: string}
	| {readonly type: 'away'; readonly text?: string}
	| {readonly type: 'back'}
	| {readonly type: 'ignore'; readonly nick?: string}
	| {readonly type: 'unignore'; readonly nick: string}
	| {readonly type: 'clear'}
	| {readonly type: 'help'; readonly command?: string}
	| {readonly type: 'quit'; readonly reason?: string}
	| {readonly type: 'kick'; readonly nick: string; readonly reason?: string}
	| {readonly type: 'ban'; readonly target: string; readonly durationMs?: number; readonly reason?: string}
	| {readonly type: 'unban'; readonly target: string}
	| {readonly type: 'bans'}
	| {readonly type: 'mute'; readonly nick: string; readonly durationMs?: number; readonly reason?: string}
	| {readonly type: 'unmute'; readonly nick: string}
	| {readonly type: 'lock'; readonly locked: boolean; readonly room?: string};

export interface CommandHelp {
	readonly name: string;
	readonly usage: string;
	readonly summary: string;
	readonly details: string;
}

/** Every command, in the order /help lists them. */
export const COMMANDS: readonly CommandHelp[] = [
	{name: 'help', usage: '/help [command]', summary: 'list commands, or explain one', details: 'Without an argument, one line per command. With one ("/help msg"), how that command works.'},
	{name: 'join', usage: '/join #room', summary: 'join a room (created if new) and switch to it', details: 'Room names use 1 to 32 lowercase letters, digits, "-" or "_"; the "#" is optional. You see the room\'s recent history on joining.'},
	{name: 'part', usage: '/part [#room] [reason]', summary: 'leave a room (the current one by default)', details: 'Everyone in the room sees you leave, with the reason if you give one.'},
	{name: 'rooms', usage: '/rooms', summary: 'list the rooms on the hub with members and topics', details: 'Shows every room that has someone in it, how many, and its topic.'},
	{name: 'topic', usage: '/topic [text]', summary: 'show or set the current room\'s topic', details: 'Without text, shows the topic. With text, sets it for everyone; people who join later see it too.'},
	{name: 'switch', usage: '/switch #room|@nick', summary: 'show another room or conversation', details: 'In the TUI also Alt+1…9, Ctrl+N and Ctrl+P. Plain lines go to the room or conversation you are in.'},
	{name: 'msg', usage: '/msg nick text', summary: 'send a private message', details: 'Goes from the hub to that person only, never over the room feed. Once the hub has taken it, a conversation "@nick" opens that you can /switch to; if it cannot be delivered, you are told where you typed it.'},
	{name: 'query', usage: '/query nick [text]', summary: 'open a private conversation with someone (and say text there)', details: 'Opens the tab "@nick" and switches to it; what you type there goes to that person. The hub says whether they are online.'},
	{name: 'reply', usage: '/reply text', summary: 'answer the last person who messaged you', details: 'The same as /msg to whoever sent you the latest private message.'},
	{name: 'me', usage: '/me action', summary: 'say what you are doing ("* alice waves")', details: 'Shown as an action in the current room or conversation.'},
	{name: 'nick', usage: '/nick newname', summary: 'change your nick', details: 'Nicks use 1 to 16 ASCII letters, digits, "_", "." or "-", and are unique on the hub whatever their case.'},
	{name: 'who', usage: '/who [#room]', summary: 'who is in the room (or on the hub, with "/who *")', details: 'Lists members with how long they have been idle and their away message.'},
	{name: 'whois', usage: '/whois nick', summary: 'rooms, idle time, connected since and away message of someone', details: 'Asks the hub about one person.'},
	{name: 'away', usage: '/away [message]', summary: 'mark yourself away', details: 'Shown in /who and /whois, and to people who send you a private message. /back (or /away with no message) ends it.'},
	{name: 'back', usage: '/back', summary: 'you are back', details: 'Clears your away message.'},
	{name: 'ignore', usage: '/ignore [nick]', summary: 'hide someone\'s messages (on your side only); no nick lists them', details: 'Follows them through nick changes. /unignore nick shows them again.'},
	{name: 'unignore', usage: '/unignore nick', summary: 'stop ignoring someone', details: 'Their new messages are shown again.'},
	{name: 'close', usage: '/close', summary: 'close the current tab (leaving the room if you are in it)', details: 'Closes a conversation, or a room you left; in a room you are in, leaves it first. The last tab stays: /quit leaves zchat.'},
	{name: 'set', usage: '/set name value', summary: 'save a setting for the next start (bell off, nick alice, rooms lobby,dev …)', details: 'Writes it to your settings file ($XDG_CONFIG_HOME/zchat/config.json; the README lists the settings). Flags and ZCHAT_* variables still win over it.'},
	{name: 'clear', usage: '/clear', summary: 'clear the current room\'s screen', details: 'Only on your side; scroll up or rejoin to fetch history again.'},
	{name: 'quit', usage: '/quit [message]', summary: 'leave zchat', details: 'Waits for your messages to be delivered, tells everyone you left (with your message), and exits. Ctrl+C does the same.'},
	{name: 'kick', usage: '/kick nick [reason]', summary: '(operators) remove someone from the hub', details: 'Ends their session; everyone in their rooms sees who kicked them and why. They can come back: /ban keeps them out.'},
	{name: 'ban', usage: '/ban nick|key [duration] [reason]', summary: '(operators) keep a nick or a key out', details: 'Duration like 30s, 10m, 2h, 7d; without one, for good. Banning the nick of someone who joined with a key bans the key too. Bans are kept by the hub across restarts.'},
	{name: 'unban', usage: '/unban nick|key', summary: '(operators) lift a ban', details: '/bans lists the bans in force.'},
	{name: 'bans', usage: '/bans', summary: '(operators) list the bans in force', details: 'Each with how long it lasts, who set it and why.'},
	{name: 'mute', usage: '/mute nick [duration] [reason]', summary: '(operators) stop someone from speaking', details: 'Duration like 30s, 10m, 2h; without one, until /unmute. They stay in their rooms and can read.'},
	{name: 'unmute', usage: '/unmute nick', summary: '(operators) let someone speak again', details: 'Ends a /mute early.'},
	{name: 'lock', usage: '/lock [#room]', summary: '(operators) only operators may change the topic', details: 'Locks the topic of the current room (or the one named). /unlock undoes it.'},
	{name: 'unlock', usage: '/unlock [#room]', summary: '(operators) anyone in the room may change the topic again', details: 'Undoes /lock.'},
];

/** "nick [duration] [reason]" after /ban or /mute. */
function targetDurationReason(rest: string, words: readonly string[]): {target: string; durationMs?: number; reason?: string} {
	const target = words[0]!;
	let after = rest.slice(target.length).trim();
	const second = words[1];
	const durationMs = second === undefined ? undefined : parseDuration(second);
	if (durationMs !== undefined) after = after.slice(second!.length).trim();
	return {target, ...(durationMs === undefined ? {} : {durationMs}), ...(after ? {reason: after} : {})};
}

/** Parse one typed line. Returns an error in words when a command is unknown or its arguments are wrong. */
export function parseInput(line: string): Intent | {readonly error: string} | undefined {
	if (!line.startsWith('/') || line.startsWith('//')) {
		const text = line.startsWith('//') ? line.slice(1) : line;
		return text.trim() === '' ? undefined : {type: 'say', text};
	}
	const m = /^\/(\S*)\s*([\s\S]*)$/.exec(line)!;
	const name = m[1]!.toLowerCase();
	const rest = m[2]!.trim();
	const words = rest === '' ? [] : rest.split(/\s+/);
	const usage = (n: string) => ({error: `usage: ${COMMANDS.find(c => c.name === n)!.usage}`});
	switch (name) {
		case 'help':
			return words[0] ? {type: 'help', command: words[0].replace(/^\//, '')} : {type: 'help'};
		case 'me':
			return rest ? {type: 'me', text: rest} : usage('me');
		case 'msg': {
			if (words.length < 2) return usage('msg');
			const to = words[0]!.replace(/^@/, '');
			const problem = nickProblem(to);
			if (problem) return {error: `/msg: "${to}" is not a nick (${problem})`};
			return {type: 'msg', to, text: rest.slice(words[0]!.length).trim()};
		}
		case 'query':
		case 'q': {
			if (words.length < 1) return usage('query');
			const nick = words[0]!.replace(/^@/, '');
			const problem = nickProblem(nick);
			if (problem) return {error: `/query: "${nick}" is not a nick (${problem})`};
			const text = rest.slice(words[0]!.length).trim();
			return text ? {type: 'query', nick, text} : {type: 'query', nick};
		}
		case 'close':
		case 'wc':
			return words.length === 0 ? {type: 'close'} : usage('close');
		case 'set': {
			if (words.length < 2) return usage('set');
			return {type: 'set', name: words[0]!, value: rest.slice(words[0]!.length).trim()};
		}
		case 'reply':
		case 'r':
			return rest ? {type: 'reply', text: rest} : usage('reply');
		case 'join':
		case 'j': {
			if (words.length !== 1) return usage('join');
			const r = parseRoom(words[0]!);
			return 'error' in r ? {error: r.error} : {type: 'join', room: r.room};
		}
		case 'part':
		case 'leave': {
			if (words[0]?.startsWith('#')) {
				const r = parseRoom(words[0]);
				if ('error' in r) return {error: r.error};
				const reason = rest.slice(words[0].length).trim();
				return reason ? {type: 'part', room: r.room, reason} : {type: 'part', room: r.room};
			}
			return rest ? {type: 'part', reason: rest} : {type: 'part'};
		}
		case 'rooms':
		case 'list':
			return {type: 'rooms'};
		case 'topic':
			return rest ? {type: 'topic', text: rest} : {type: 'topic'};
		case 'switch':
		case 'go': {
			if (words.length !== 1) return usage('switch');
			const target = words[0]!;
			if (target.startsWith('@')) {
				const problem = nickProblem(target.slice(1));
				return problem ? {error: problem} : {type: 'switch', view: '@' + target.slice(1)};
			}
			const r = parseRoom(target);
			return 'error' in r ? {error: r.error} : {type: 'switch', view: '#' + r.room};
		}
		case 'nick': {
			if (words.length !== 1) return usage('nick');
			const problem = nickProblem(words[0]!);
			return problem ? {error: `/nick: ${problem}`} : {type: 'nick', nick: words[0]!};
		}
		case 'who':
		case 'names': {
			if (words.length === 0) return {type: 'who'};
			if (words[0] === '*') return {type: 'who', room: '*'};
			const r = parseRoom(words[0]!);
			return 'error' in r ? {error: r.error} : {type: 'who', room: r.room};
		}
		case 'whois': {
			if (words.length !== 1) return usage('whois');
			const problem = nickProblem(words[0]!);
			return problem ? {error: `/whois: ${problem}`} : {type: 'whois', nick: words[0]!};
		}
		case 'away':
			return rest ? {type: 'away', text: rest} : {type: 'back'};
		case 'back':
			return {type: 'back'};
		case 'ignore':
			if (words.length > 1) return usage('ignore');
			return words[0] ? {type: 'ignore', nick: words[0]} : {type: 'ignore'};
		case 'unignore':
			return words.length === 1 ? {type: 'unignore', nick: words[0]!} : usage('unignore');
		case 'clear':
			return {type: 'clear'};
		case 'quit':
		case 'exit':
		case 'bye':
			return rest ? {type: 'quit', reason: rest} : {type: 'quit'};
		case 'kick': {
			if (words.length === 0) return usage('kick');
			const problem = nickProblem(words[0]!);
			if (problem) return {error: `/kick: ${problem}`};
			const reason = rest.slice(words[0]!.length).trim();
			return reason ? {type: 'kick', nick: words[0]!, reason} : {type: 'kick', nick: words[0]!};
		}
		case 'ban': {
			if (words.length === 0) return usage('ban');
			const t = targetDurationReason(rest, words);
			if (!isZ85Key(t.target) && nickProblem(t.target)) return {error: `/ban: "${t.target.slice(0, 40)}" is neither a nick nor a public key`};
			return {type: 'ban', ...t};
		}
		case 'unban': {
			if (words.length !== 1) return usage('unban');
			if (!isZ85Key(words[0]!) && nickProblem(words[0]!)) return {error: `/unban: "${words[0]!.slice(0, 40)}" is neither a nick nor a public key`};
			return {type: 'unban', target: words[0]!};
		}
		case 'bans':
			return {type: 'bans'};
		case 'mute': {
			if (words.length === 0) return usage('mute');
			const t = targetDurationReason(rest, words);
			const problem = nickProblem(t.target);
			if (problem) return {error: `/mute: ${problem}`};
			const {target, ...more} = t;
			return {type: 'mute', nick: target, ...more};
		}
		case 'unmute': {
			if (words.length !== 1) return usage('unmute');
			const problem = nickProblem(words[0]!);
			return problem ? {error: `/unmute: ${problem}`} : {type: 'unmute', nick: words[0]!};
		}
		case 'lock':
		case 'unlock': {
			if (words.length > 1) return usage(name);
			const locked = name === 'lock';
			if (words.length === 0) return {type: 'lock', locked};
			const r = parseRoom(words[0]!);
			return 'error' in r ? {error: r.error} : {type: 'lock', locked, room: r.room};
		}
		default:
			return {error: `unknown command "/${name.slice(0, 20)}": /help lists the commands`};
	}
}

/** The TUI's keys, after the commands in /help. */
const KEYS: readonly string[] = [
	'Keys in the TUI: Alt+1…9 (Alt+0 the tenth) go to a tab; Ctrl+N and Ctrl+P the next and previous one.',
	'PgUp/PgDn or Shift+Up/Down scroll (older history comes from the hub); End or Esc back to live.',
	'Tab completes nicks, rooms and commands; Up and Down recall what you typed; Alt+Enter or Ctrl+J a new line; Ctrl+C leaves.',
];

/** The text of /help: one line per command, or the details of one. */
export function helpText(command?: string): string[] {
	if (command === undefined) {
		const width = Math.max(...COMMANDS.map(c => c.usage.length));
		return [
			...COMMANDS.map(c => `${c.usage.padEnd(width)}  ${c.summary}`),
			'A line that does not start with "/" is said in the current room ("//" says a line starting with "/").',
			...KEYS,
		];
	}
	const c = COMMANDS.find(x => x.name === command.toLowerCase());
	if (!c) return [`no command "/${command.slice(0, 20)}": /help lists them`];
	return [`${c.usage} — ${c.summary}`, c.details];
}
