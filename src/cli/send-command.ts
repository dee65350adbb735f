import {randomBytes} from 'node:crypto';
import type {Readable} from 'node:stream';
import {Command, Option} from '@commander-js/extra-typings';
import {Client} from '../client/client.js';
import {undelivered} from '../client/state.js';
import {ZmqTransport, type ClientCurve} from '../client/transport.js';
import {ZchatError} from '../errors.js';
import {MAX_TEXT_BYTES} from '../protocol/limits.js';
import {VERSION} from '../version.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import {loadConfig} from './config-file.js';
import {clientCurve, keyOptions} from './key-options.js';
import {applyConfig, defaultNick, hubAddressOptions, parseNick, parseRoomName, timeoutOption} from './options.js';

/**
 * The messages to send: the arguments as one message, else stdin, one message per non-blank
 * line or (multiline) all of it as one. Throws ZchatError (exit 2) when there is nothing to
 * send or a message is over the hub's size limit.
 */
export function messagesFrom(words: readonly string[], stdin: string | undefined, multiline: boolean): string[] {
	let messages: Array<{text: string; where: string}>;
	if (words.length > 0) {
		messages = [{text: words.join(' '), where: 'the message'}];
	} else if (stdin === undefined) {
		throw new ZchatError('nothing to send: give the message as arguments (zchat send hello) or on stdin (echo hello | zchat send)', 2);
	} else if (multiline) {
		messages = [{text: stdin.replace(/\r?\n$/, ''), where: 'the message'}];
	} else {
		messages = stdin.split(/\r?\n/).map((text, i) => ({text, where: `line ${i + 1}`}));
	}
	messages = messages.filter(m => m.text.trim() !== '');
	if (messages.length === 0) throw new ZchatError('nothing to send: the message is empty', 2);
	for (const m of messages) {
		const bytes = Buffer.byteLength(m.text, 'utf8');
		if (bytes > MAX_TEXT_BYTES) {
			throw new ZchatError(`${m.where} is ${bytes} bytes, over the hub's limit of ${MAX_TEXT_BYTES}: shorten it or split it into lines (nothing was sent)`, 2);
		}
	}
	return messages.map(m => m.text);
}

async function readAll(input: Readable): Promise<string> {
	let text = '';
	input.setEncoding('utf8');
	for await (const chunk of input) text += chunk as string;
	return text;
}

export interface DeliverOptions {
	readonly host: string;
	readonly subPort: number;
	readonly pubPort: number;
	readonly room: string;
	/** The nick to ask for; when taken, a number is added (the message matters more than the name). */
	readonly nick: string;
	/** To get in, and then for each acknowledgement: the hub has this long from the last one to send the next. */
	readonly timeoutMs: number;
	/** Encrypt and authenticate (the hub runs with --key). */
	readonly curve?: ClientCurve;
}

export interface Delivery {
	/** The nick the messages went out under (the one asked for, or it with a number added). */
	readonly nick: string;
}

/**
 * Say `messages` in a room as a short-lived client and leave once the hub has acked them
 * all: the full client (hello, acks, resends, nick suffixes, pacing by the hub's flood limit
 * from its welcome) with no history, ending with bye. Resolves when every message is stored
 * by the hub; throws ZchatError when the hub does not answer within the timeout (exit 1),
 * stops acknowledging for a whole timeout (exit 1), refuses a message (exit 1), or refuses us
 * (exit 2: a key to give or change, say).
 */
export function deliver(messages: readonly string[], options: DeliverOptions): Promise<Delivery> {
	const hubAddress = tcpEndpoint(options.host, options.subPort);
	const transport = new ZmqTransport({host: options.host, subPort: options.subPort, pubPort: options.pubPort, ...(options.curve ? {curve: options.curve} : {})});
	const client = new Client(transport, {
		nick: options.nick,
		nickExplicit: false,
		rooms: [options.room],
		session: randomBytes(18).toString('base64url'),
		history: 0,
		// Leaving waits for every ack, and each ack gives the hub this long again.
		quitTimeoutMs: options.timeoutMs,
		clientName: `zchat-send/${VERSION}`,
	});
	const seconds = +(options.timeoutMs / 1000).toFixed(1);
	return new Promise<Delivery>((resolve, reject) => {
		// Only until the hub answers: from then on the client's own deadline counts from the last ack.
		const unreachable = setTimeout(() => {
			if (client.state.epoch !== undefined) return;
			void client.close().then(() =>
				reject(new ZchatError(`no answer from the hub at ${hubAddress} in ${seconds} s: is "zchat hub" running there? (check --host, --sub and --pub); nothing was sent`)),
			);
		}, options.timeoutMs);
		let leaving = false;
		client.on('change', state => {
			// Leave once welcomed: the reducer then waits for every ack, says bye and exits.
			if (leaving || state.epoch === undefined) return;
			leaving = true;
			clearTimeout(unreachable);
			queueMicrotask(() => client.leave());
		});
		client.on('exit', (code, message) => {
			clearTimeout(unreachable);
			if (code === 0) return resolve({nick: client.state.nick});
			if (code === 2 || client.state.epoch === undefined) return reject(new ZchatError(message ?? 'the hub did not let us in', code === 2 ? 2 : 1));
			const left = undelivered(client.state).length;
			const refused = client.state.pending.some(p => p.state === 'failed');
			if (refused || left === 0) return reject(new ZchatError(message ?? 'the messages were not delivered'));
			reject(
				new ZchatError(
					messages.length === 1
						? `the hub at ${hubAddress} did not acknowledge the message in ${seconds} s: it may not have been delivered`
						: `the hub at ${hubAddress} did not acknowledge ${left} of ${messages.length} messages (none in the last ${seconds} s): those may not have been delivered`,
				),
			);
		});
		client.start();
		for (const text of messages) client.intent({type: 'say', text});
	});
}

export function makeSendCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(false);
	const [serverKey, key] = keyOptions();
	const cmd = new Command('send')
		.description('say something in a room and exit once the hub has stored it (for cron jobs, CI, scripts)')
		.argument('[text...]', 'the message; when left out, read stdin (each line is a message)')
		.addOption(host)
		.addOption(sub)
		.addOption(pub)
		.addOption(new Option('--room <room>', 'the room to say it in ("#" optional)').default('lobby').argParser(parseRoomName))
		.addOption(
			new Option('--nick <nick>', 'who says it (default: your login name); if taken, a number is added (ci2)').env('ZCHAT_NICK').argParser(parseNick),
		)
		.addOption(new Option('--multiline', 'send all of stdin as one message, line breaks kept'))
		.addOption(serverKey)
		.addOption(key)
		.addOption(timeoutOption(10, 'exit 1 when the hub does not answer, or acknowledges nothing more, for this long'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat send "deploy finished"                        # in #lobby, as your login name
  $ zchat send --room ops --nick ci build 42 passed      # the words make one message
  $ make test 2>&1 | tail -5 | zchat send --room ci --nick ci               # five messages
  $ git log -3 --oneline | zchat send --room dev --nick git --multiline      # one message
  $ zchat send --host 192.168.1.20 --sub 7000 --pub 7001 "backup done" || echo "not delivered"
  $ seq 1 40 | zchat send --room ops               # paced to the hub's flood limit: all 40 arrive
  $ zchat send --server-key hub.key.pub "hello"    # a hub with keys (ZCHAT_SERVER_KEY works too)

Text is sent as it is: a line starting with "/" is not a command here. Nothing is printed
on success; if the nick was taken, stderr says which one was used.
Lines go as fast as the hub's flood limit allows (it says so when you connect), so a long
input takes a while: --timeout counts from the last message the hub acknowledged.
Exit codes: 0 the hub stored every message, 1 not (hub unreachable, no ack within --timeout),
2 a bad flag or value (nothing to send, a message over ${MAX_TEXT_BYTES} bytes, a key to give or fix).`,
		)
		.action(async (words, _opts, command) => {
			const {config} = loadConfig();
			applyConfig(command, config, {host: 'host', sub: 'sub', pub: 'pub', serverKey: 'serverKey', key: 'key', nick: 'nick'});
			if (config.rooms?.[0] !== undefined && command.getOptionValueSource('room') === 'default') command.setOptionValueWithSource('room', config.rooms[0], 'config');
			const opts = command.opts();
			const curve = clientCurve(opts.serverKey, opts.key);
			let stdin: string | undefined;
			if (words.length === 0 && process.stdin.isTTY !== true) stdin = await readAll(process.stdin);
			const messages = messagesFrom(words, stdin, opts.multiline === true);
			const nick = opts.nick ?? defaultNick();
			const delivery = await deliver(messages, {
				host: opts.host,
				subPort: opts.sub,
				pubPort: opts.pub,
				room: opts.room,
				nick,
				timeoutMs: opts.timeout,
				...(curve ? {curve} : {}),
			});
			if (delivery.nick !== nick) process.stderr.write(`zchat: the nick "${nick}" was taken: sent as "${delivery.nick}"\n`);
			// The client's sockets are closed; nothing else on the event loop is ours to wait for.
			setImmediate(() => process.exit(0));
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
