/** The relay envelope's frames (docs/PROTOCOL.md, "Relays"): what a relay and the hub write, and what they refuse to read. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {decodeClientEnvelope, decodeReplyEnvelope, encodeClientEnvelope, encodeReplyEnvelope, isEnvelope} from '../src/protocol/relay.js';

const KEY = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';

test('a client envelope goes up and is read back as it was', () => {
	const frame = encodeClientEnvelope({client: 'c17', address: '203.0.113.9', key: KEY, req: false});
	assert.equal(frame.toString(), `@c17 203.0.113.9 ${KEY} dealer`);
	assert.ok(isEnvelope(frame));
	assert.deepEqual(decodeClientEnvelope(frame), {client: 'c17', address: '203.0.113.9', key: KEY, req: false});
	assert.deepEqual(decodeClientEnvelope(Buffer.from('@r4 ::1 - req')), {client: 'r4', address: '::1', key: undefined, req: true});
});

test('a command frame is never an envelope, and a malformed envelope is refused with a reason', () => {
	assert.ok(!isEnvelope(Buffer.from('{"type":"ping"}')));
	assert.ok(!isEnvelope(Buffer.alloc(0)));
	for (const bad of ['@', '@c1', '@c1 1.2.3.4 - dealer extra', '@c 1 1.2.3.4 - dealer', '@c1 evil.example - dealer', '@c1 1.2.3.4 notakey dealer', '@c1 1.2.3.4 - router', `@${'x'.repeat(33)} 1.2.3.4 - dealer`, '@c1 1.2.3.4 - dealer' + ' '.repeat(120)]) {
		assert.equal(typeof decodeClientEnvelope(Buffer.from(bad)), 'string', bad);
	}
});

test('reply envelopes: plain, for a REQ, and close', () => {
	for (const what of ['dealer', 'req', 'close'] as const) {
		const frame = encodeReplyEnvelope('c9', what);
		assert.deepEqual(decodeReplyEnvelope(frame), {client: 'c9', req: what === 'req', close: what === 'close'});
	}
	assert.equal(encodeReplyEnvelope('c9', 'dealer').toString(), '@c9');
	for (const bad of ['@', '@c9 open', '@c9 req close', '@c 9']) assert.equal(typeof decodeReplyEnvelope(Buffer.from(bad)), 'string', bad);
});
