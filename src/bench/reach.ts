import * as zmq from 'zeromq';
import {ZchatError} from '../errors.js';
import {closeSocket} from '../zmq/close.js';
import {tcpEndpoint} from '../zmq/endpoint.js';
import type {Address} from './protocol.js';

/**
 * Before a bench run against a hub someone else started: does a zchat hub answer on the
 * ROUTER port? A ping, with a deadline; a ZchatError that says what to check otherwise.
 */
export async function checkHub(address: Address, timeoutMs = 3000): Promise<void> {
	const endpoint = tcpEndpoint(address.host, address.subPort);
	const dealer = new zmq.Dealer({linger: 0, receiveTimeout: timeoutMs});
	try {
		dealer.connect(endpoint);
		await dealer.send(JSON.stringify({type: 'ping', id: 'bench'}));
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const frames = await dealer.receive();
			const text = frames.map(f => f.toString('utf8')).join('');
			if (text.includes('"type":"pong"')) return;
		}
		throw new ZchatError(`something answered at ${endpoint}, but not like a zchat hub: check --host and --sub`);
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
