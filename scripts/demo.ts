/**
 * The scripted demo (`npm run demo`): a real hub on free ports and three real `zchat join`
 * processes in line mode (--json) holding a short conversation in two rooms, with a private
 * message. Each line is typed only once everyone who should see the previous one has seen
 * it. At the end every client's feed is checked: every message it should have seen, in
 * order, with the right sender, and nothing it should not (the DM). Exit 0 only if so.
 */
import {waitFor} from '../dev/wait.js';
import {spawnHub, spawnZchat, type Proc} from '../dev/zchat.js';

interface Event {
	type: string;
	room?: string;
	from?: string;
	to?: string;
	text?: string;
	seq?: number;
	replay?: boolean;
	self?: boolean;
}

type Nick = 'alice' | 'bob' | 'carol';

interface Turn {
	readonly who: Nick;
	/** What is typed. */
	readonly line: string;
	/** What it becomes on the wire: a room message, or a DM to someone. */
	readonly expect: {readonly room: string; readonly text: string; readonly action?: boolean} | {readonly dmTo: Nick; readonly text: string};
	/** Who must see it before the next turn. */
	readonly seenBy: readonly Nick[];
}

const ROOMS: Record<Nick, string[]> = {alice: ['lobby'], bob: ['lobby', 'dev'], carol: ['lobby', 'dev']};

const SCRIPT: readonly Turn[] = [
	{who: 'alice', line: 'morning all, standup in 5', expect: {room: 'lobby', text: 'morning all, standup in 5'}, seenBy: ['alice', 'bob', 'carol']},
	{who: 'bob', line: 'morning alice', expect: {room: 'lobby', text: 'morning alice'}, seenBy: ['alice', 'bob', 'carol']},
	{who: 'carol', line: '/me waves', expect: {room: 'lobby', text: 'waves', action: true}, seenBy: ['alice', 'bob', 'carol']},
	{who: 'bob', line: '/switch #dev', expect: {room: 'dev', text: ''}, seenBy: []},
	{who: 'bob', line: 'the build is green on main', expect: {room: 'dev', text: 'the build is green on main'}, seenBy: ['bob', 'carol']},
	{who: 'carol', line: '/switch #dev', expect: {room: 'dev', text: ''}, seenBy: []},
	{who: 'carol', line: 'shipping after lunch then', expect: {room: 'dev', text: 'shipping after lunch then'}, seenBy: ['bob', 'carol']},
	{who: 'alice', line: '/msg carol can you review my PR?', expect: {dmTo: 'carol', text: 'can you review my PR?'}, seenBy: ['alice', 'carol']},
	{who: 'carol', line: '/reply sure, after the release', expect: {dmTo: 'alice', text: 'sure, after the release'}, seenBy: ['alice', 'carol']},
	{who: 'alice', line: '/join #dev', expect: {room: 'dev', text: ''}, seenBy: []},
	{who: 'alice', line: 'mind if I lurk here?', expect: {room: 'dev', text: 'mind if I lurk here?'}, seenBy: ['alice', 'bob', 'carol']},
];

function events(p: Proc): Event[] {
	return p.lines().flatMap(line => {
		try {
			return [JSON.parse(line) as Event];
		} catch {
			return [];
		}
	});
}

function isSeen(feed: Event[], who: Nick, turn: Turn): boolean {
	const e = turn.expect;
	if ('dmTo' in e) return feed.some(x => x.type === 'dm' && x.text === e.text && (x.from === turn.who || (x.self === true && who === turn.who)));
	return feed.some(x => (x.type === 'message' || x.type === 'action') && x.room === e.room && x.from === turn.who && x.text === e.text);
}

async function main(): Promise<number> {
	const started = Date.now();
	const hub = await spawnHub(['--ttl', '10']);
	console.log(`hub up on ${hub.args.join(' ')}`);
	const clients = {} as Record<Nick, Proc>;
	for (const nick of ['alice', 'bob', 'carol'] as const) {
		// --history: in a pipe, line mode shows no history unless asked, and the demo checks it.
		clients[nick] = spawnZchat(['join', '--json', '--nick', nick, ...ROOMS[nick].flatMap(r => ['--room', r]), '--history', '50', '--timeout', '15', ...hub.args]);
	}
	try {
		for (const nick of ['alice', 'bob', 'carol'] as const) {
			await waitFor(`${nick} to join`, () => events(clients[nick]).some(e => e.type === 'join' && e.from === nick), 10_000);
		}
		// Everyone sees everyone else arrive in the lobby before the talking starts.
		for (const nick of ['alice', 'bob', 'carol'] as const) {
			await waitFor(`${nick} to see the others join`, () => ['alice', 'bob', 'carol'].every(n => events(clients[nick]).some(e => e.type === 'join' && e.from === n && e.room === 'lobby')), 10_000);
		}
		for (const turn of SCRIPT) {
			clients[turn.who].child.stdin.write(turn.line + '\n');
			for (const who of turn.seenBy) {
				await waitFor(`${who} to see ${turn.who}'s "${turn.line}"`, () => isSeen(events(clients[who]), who, turn), 10_000);
			}
		}
		for (const nick of ['alice', 'bob', 'carol'] as const) clients[nick].child.stdin.end();
		const codes = await Promise.all((['alice', 'bob', 'carol'] as const).map(n => clients[n].exited));
		hub.proc.child.kill('SIGINT');
		const hubCode = await hub.proc.exited;

		console.log('\ntranscript (as each client received it):');
		for (const nick of ['alice', 'bob', 'carol'] as const) {
			console.log(`\n  ${nick}:`);
			for (const e of events(clients[nick])) console.log('    ' + render(e));
		}

		console.log('\nchecks:');
		const failures: string[] = [];
		const check = (ok: boolean, what: string) => {
			console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
			if (!ok) failures.push(what);
		};
		for (const nick of ['alice', 'bob', 'carol'] as const) {
			const feed = events(clients[nick]);
			const rooms = new Set([...ROOMS[nick], ...(nick === 'alice' ? ['dev'] : [])]);
			for (const room of rooms) {
				const expected = SCRIPT.filter(t => 'room' in t.expect && t.expect.room === room && t.expect.text !== '').map(t => `${t.who}: ${'room' in t.expect ? t.expect.text : ''}`);
				const got = feed.filter(e => (e.type === 'message' || e.type === 'action') && e.room === room).map(e => `${e.from}: ${e.text}`);
				check(JSON.stringify(got) === JSON.stringify(expected), `${nick} saw every message of #${room}, in order, with the right sender (${got.length}/${expected.length})`);
				const seqs = feed.filter(e => e.room === room && typeof e.seq === 'number').map(e => e.seq!);
				check(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), `${nick}'s #${room} feed is in seq order without duplicates`);
			}
			const dms = feed.filter(e => e.type === 'dm').map(e => e.text);
			const expectedDms = SCRIPT.filter(t => 'dmTo' in t.expect && (t.who === nick || t.expect.dmTo === nick)).map(t => t.expect.text);
			check(JSON.stringify(dms) === JSON.stringify(expectedDms), `${nick} saw exactly the private messages meant for them (${dms.length})`);
		}
		codes.forEach((code, i) => check(code === 0, `${['alice', 'bob', 'carol'][i]} exited 0 after its lines were acked (got ${code})`));
		check(hubCode === 0, `the hub shut down cleanly on SIGINT (exit ${hubCode})`);
		console.log(`\n${failures.length === 0 ? 'demo passed' : `demo FAILED: ${failures.length} check(s)`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		return failures.length === 0 ? 0 : 1;
	} catch (err) {
		console.error(`demo FAILED: ${(err as Error).message}`);
		for (const nick of ['alice', 'bob', 'carol'] as const) console.error(`--- ${nick} stderr:\n${clients[nick].stderr()}`);
		return 1;
	} finally {
		for (const p of [hub.proc, ...Object.values(clients)]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
	}
}

function render(e: Event): string {
	const where = e.room ? `#${e.room}` : '';
	switch (e.type) {
		case 'message':
			return `${where} <${e.from}> ${e.text}${e.replay ? '   (history)' : ''}`;
		case 'action':
			return `${where} * ${e.from} ${e.text}`;
		case 'dm':
			return e.self ? `(private) → ${e.to}: ${e.text}` : `(private) ${e.from} → you: ${e.text}`;
		case 'join':
			return `${where} -- ${e.from} joined${e.replay ? '   (history)' : ''}`;
		case 'part':
			return `${where} -- ${e.from} left`;
		default:
			return `-- ${e.type}: ${e.text ?? ''}`;
	}
}

process.exitCode = await main();
