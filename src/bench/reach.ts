import {randomBytes} from 'node:crypto';
import * as zmq from 'zeromq';
import {ZchatError} from '../errors.js';
import {decodeReplyFrame} from '../protocol/incoming.js';
import {PROTOCOL_VERSION} from '../protocol/limits.js';
import type {Reply} from '../protocol/types.js';
import {closeSocket} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import type {Address} from './protocol.js';

/**
 * Before a bench run against a hub someone else started: is it a zchat hub, and can it be
 * measured? A ping, then a session of no room (nobody sees it) to read the hub's limits from
 * its welcome, then bye; each with a deadline. A ZchatError says what to check or change.
 */
export async function checkHub(address: Address, timeoutMs = 3000): Promise<void> {
	const endpoint = tcpEndpoint(address.host, address.subPort);
	const dealer = new zmq.Dealer({linger: 0, receiveTimeout: timeoutMs});
	const deadline = Date.now() + timeoutMs;
	/** The next reply of `type` (or an error), skipping anything else. */
	const answer = async (type: Reply['type']): Promise<Reply | undefined> => {
		while (Date.now() < deadline) {
			for (const frame of await dealer.receive()) {
				const reply = decodeReplyFrame(frame);
				if (reply && (reply.type === type || reply.type === 'error')) return reply;
			}
		}
		return undefined;
	};
	try {
		dealer.connect(endpoint);
		await dealer.send(JSON.stringify({type: 'ping', id: 'bench'}));
		if ((await answer('pong'))?.type !== 'pong') throw new ZchatError(`something answered at ${endpoint}, but not like a zchat hub: check --host and --sub`);
		const session = randomBytes(18).toString('base64url');
		await dealer.send(JSON.stringify({type: 'hello', id: 'bench', v: PROTOCOL_VERSION, nick: `bcheck${randomBytes(3).toString('hex')}`, session, rooms: [], client: 'zchat-bench'}));
		const welcome = await answer('welcome');
		if (welcome?.type !== 'welcome') return; // the bench's own sessions will say what is wrong
		await dealer.send(JSON.stringify({type: 'bye', id: 'bench-bye'}));
		await answer('ok'); // so the session ends now, not at its timeout
		const rate = welcome.limits?.rate;
		if (rate) throw floodLimited(endpoint, rate);
	} catch (err) {
		if (err instanceof ZchatError) throw err;
		if ((err as {code?: string}).code === 'EAGAIN') {
			throw new ZchatError(`no zchat hub answered at ${endpoint} within ${timeoutMs / 1000} s: start one (zchat hub), or check --host and --sub`);
		}
		throw err;
	} finally {
		void closeSocket(dealer, {label: 'bench hub check'});
	}
}

/** A hub with a flood limit refuses nearly every line of a bench: say so at once, and what to do. */
function floodLimited(endpoint: string, rate: {readonly burst: number; readonly seconds: number}): ZchatError {
	return new ZchatError(
		`the hub at ${endpoint} has a flood limit (--rate-limit ${rate.burst}/${rate.seconds}: ${rate.burst} messages at once, then ${rate.burst} every ${rate.seconds} s per session), ` +
			'which refuses nearly every line of a benchmark. Start that hub with --rate-limit off to measure it, or run "npm run bench", which starts hubs of its own',
		2,
	);
}
