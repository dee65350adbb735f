import './helpers/hide-ci.js';
import assert from 'node:assert/strict';
import {Writable} from 'node:stream';
import {test} from 'node:test';
import {Client} from '../src/client/client.js';
import type * as Tui from '../src/ui/tui.js';
import {TestTerminal} from './helpers/ink.js';
import {event} from './helpers/sim.js';
import {FakeTransport} from './helpers/tui.js';
import {waitFor} from './helpers/wait.js';

/**
 * The TUI as shipped (dist/tui.bundle.js) writes each frame, with the synchronized-update
 * codes around it, in one write to the terminal (scripts/ink-one-write.ts): a stdout that is
 * a real stream, counting the writes that reach its device.
 */
const bundle = (await import(new URL('../tui.bundle.js', import.meta.url).href)) as typeof Tui;

const BSU = '\x1b[?2026h';
const ESU = '\x1b[?2026l';

/** A terminal's stdout as a Node stream: what each system call would write, in order. */
class DeviceStream extends Writable {
	readonly device: string[] = [];
	columns = 100;
	rows = 24;
	isTTY = true;

	override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
		this.device.push(chunk.toString());
		done();
	}

	override _writev(chunks: Array<{chunk: Buffer}>, done: () => void): void {
		this.device.push(chunks.map(c => c.chunk.toString()).join(''));
		done();
	}
}

test('each frame reaches the terminal in one write: the synchronized-update codes and the frame together', async () => {
	const stdout = new DeviceStream();
	const term = new TestTerminal(100, 24);
	const transport = new FakeTransport();
	const client = new Client(transport, {nick: 'alice', nickExplicit: true, rooms: ['lobby'], session: 's'.repeat(24), history: 50});
	client.start(60_000);
	const io = {stdout: stdout as unknown as NodeJS.WriteStream, stdin: term.stdin as unknown as NodeJS.ReadStream, stderr: term.stderr as unknown as NodeJS.WriteStream};
	const done = bundle.runTui(client, {bell: false, timestamps: true, hubAddress: 'tcp://127.0.0.1:5555'}, io);
	const all = () => stdout.device.join('');
	try {
		transport.welcome('alice', [{room: 'lobby', members: ['alice', 'bob']}]);
		await waitFor('the first frame', () => all().includes('● connected'), 10_000);
		for (let i = 1; i <= 40; i++) {
			transport.feed(event('lobby', i, 'bob', `line ${i} of the flood`));
			if (i % 10 === 0) await waitFor(`line ${i} drawn`, () => all().includes(`line ${i} of the flood`), 10_000);
		}
	} finally {
		client.leave();
		client.leave();
		await done;
		await client.close();
	}
	const frames = stdout.device.filter(w => w.includes(BSU) || w.includes(ESU));
	assert.ok(frames.length >= 2, `frames drawn: ${frames.length}`);
	for (const w of frames) {
		assert.ok(w.startsWith(BSU), `a write that begins a synchronized update begins with it: ${JSON.stringify(w.slice(0, 40))}`);
		assert.ok(w.endsWith(ESU), `and ends it: ${JSON.stringify(w.slice(-40))}`);
		assert.ok(w.length > BSU.length + ESU.length, 'with the frame between');
	}
});
