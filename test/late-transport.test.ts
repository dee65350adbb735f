/**
 * The TUI's connection made after its first frame (src/client/late-transport.ts): what the
 * client did before reaches the connection in order, and nothing is connected once closed.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {LateTransport} from '../src/client/late-transport.js';
import type {Transport, TransportHandlers} from '../src/client/transport.js';
import type {Command} from '../src/protocol/types.js';

/** A transport that writes down what it is asked to do. */
function recorder(): Transport & {readonly done: string[]} {
	const done: string[] = [];
	return {
		done,
		send: (command: Command) => void done.push(`send ${command.type}`),
		subscribe: (room: string) => void done.push(`subscribe ${room}`),
		unsubscribe: (room: string) => void done.push(`unsubscribe ${room}`),
		start: () => void done.push('start'),
		close: async (lingerMs?: number) => void done.push(`close ${lingerMs}`),
		reconnect: () => void done.push('reconnect'),
	};
}

const handlers = (problems: string[] = []): TransportHandlers => ({reply: () => {}, feed: () => {}, problem: (code, message) => void problems.push(`${code} ${message}`)});
const hello = {type: 'hello', nick: 'ann', session: 's', rooms: ['lobby']} as unknown as Command;
const say = {type: 'say', room: 'lobby', text: 'hi', id: 'm1'} as unknown as Command;

test('what was done before the connection reaches it in order, and what comes after goes straight to it', async () => {
	const late = new LateTransport();
	late.start(handlers());
	late.subscribe('lobby');
	late.send(hello);
	late.reconnect(); // nothing to drop yet
	late.unsubscribe('dev');
	const real = recorder();
	late.connect(() => real);
	assert.deepEqual(real.done, ['start', 'subscribe lobby', 'send hello', 'unsubscribe dev']);
	late.send(say);
	late.reconnect();
	await late.close(250);
	assert.deepEqual(real.done.slice(4), ['send say', 'reconnect', 'close 250']);
	late.connect(() => assert.fail('a second connection'));
});

test('closed before it connects: no connection is made, and what was queued is dropped', async () => {
	const late = new LateTransport();
	late.start(handlers());
	late.send(hello);
	await late.close();
	let made = false;
	late.connect(() => {
		made = true;
		return recorder();
	});
	assert.equal(made, false);
});

test('a connection that cannot be made is a problem the client is told of, not a crash', () => {
	const problems: string[] = [];
	const late = new LateTransport();
	late.start(handlers(problems));
	late.connect(() => {
		throw new Error('no zeromq here');
	});
	late.fail(new Error('the module would not load'));
	assert.deepEqual(problems, ['1 could not open a connection to the hub: no zeromq here', '1 could not open a connection to the hub: the module would not load']);
});
