/**
 * PUB-SUB: one publisher, any number of subscribers, each taking the topics it chose.
 *
 * Shows: filtering by topic prefix, done by the publisher (several subscribers with
 * different prefixes, and the trap that "dev" also matches "devops"); the slow joiner: a
 * subscriber gets nothing published before its connection and subscription arrived, and
 * how many messages that costs (measured); and the cure zchat uses, sequence numbers plus
 * a history to ask for what came before (the zguide's Clone pattern).
 *
 * Run: npm run example -- pub-sub
 */
import * as zmq from 'zeromq';
import {roomTopic} from '../src/protocol/topic.js';
import {until} from './util.js';

// ---------------------------------------------------------------------------------------
console.log('1. Topic prefixes: each subscriber gets the messages whose first frame starts with what it subscribed to');

// An XPUB is a PUB that also receives the subscriptions: here it lets the publisher wait
// until all three subscribers are listening, so part 1 loses nothing (part 2 shows what
// happens without that).
const xpub = new zmq.XPublisher({linger: 0, verbosity: 'allSubs'});
await xpub.bind('tcp://127.0.0.1:*');
console.log(`   publisher bound to ${xpub.lastEndpoint}`);

const prefixes = ['dev', roomTopic('dev'), ''];
const received = new Map<string, string[]>(prefixes.map(p => [p, []]));
const done = new Set<string>();
const subscribers = prefixes.map(prefix => {
	const sub = new zmq.Subscriber({linger: 0});
	sub.connect(xpub.lastEndpoint!);
	sub.subscribe(prefix);
	void (async () => {
		for await (const [topic, body] of sub) {
			// The end marker on a subscriber's own prefix: everything before it has arrived.
			if (body!.toString() === 'END') {
				if (topic!.toString() === prefix) done.add(prefix);
			} else {
				received.get(prefix)!.push(topic!.toString());
			}
		}
	})();
	return sub;
});
let subscriptions = 0;
while (subscriptions < prefixes.length) {
	const [subscription] = await xpub.receive(); // 0x01 + prefix: a subscribe; 0x00 + prefix: an unsubscribe
	if (subscription![0] === 1) subscriptions++;
}

const topics = ['dev', 'devops', 'lobby', roomTopic('dev'), roomTopic('devops')];
for (let i = 1; i <= 3; i++) {
	for (const topic of topics) await xpub.send([topic, `message ${i}`]); // [topic, body]: the topic is the first frame
}
for (const prefix of prefixes) await xpub.send([prefix, 'END']);
await until('every subscriber to get its end marker', () => done.size === prefixes.length);
console.log(`   published 3 messages on each topic: ${topics.map(t => `"${t}"`).join(', ')}`);

const why: Record<string, string> = {
	dev: '← "dev" is a prefix of "devops": a bare room name matches more than its room',
	[roomTopic('dev')]: '← zchat ends every topic with ":", which no room name contains',
	'': '← the empty prefix matches everything',
};
for (const prefix of prefixes) {
	const got = received.get(prefix)!;
	const byTopic = [...new Set(got)].map(t => `"${t}" ×${got.filter(x => x === t).length}`).join(', ');
	console.log(`   SUB ${`"${prefix}"`.padEnd(7)} got ${String(got.length).padStart(2)}: ${byTopic}`);
	console.log(`                       ${why[prefix]}`);
}
for (const sub of subscribers) sub.close();
xpub.close();

// ---------------------------------------------------------------------------------------
console.log('\n2. Slow joiners: a PUB sends only to subscribers whose subscription has already arrived');

const LATE_AFTER = 50;
const AFTER_LATE = 20;
const pub = new zmq.Publisher({linger: 0});
await pub.bind('tcp://127.0.0.1:*');
// The publisher keeps what it published: the history a late subscriber can ask for.
const published: number[] = [];
const historyServer = new zmq.Reply({linger: 0});
await historyServer.bind('tcp://127.0.0.1:*');
void (async () => {
	for await (const [request] of historyServer) {
		const before = (JSON.parse(request!.toString()) as {before: number}).before;
		await historyServer.send(JSON.stringify(published.filter(seq => seq < before)));
	}
})();

function tickSubscriber(): {socket: zmq.Subscriber; seqs: number[]} {
	const socket = new zmq.Subscriber({linger: 0});
	socket.connect(pub.lastEndpoint!);
	socket.subscribe('tick');
	const seqs: number[] = [];
	void (async () => {
		for await (const [, body] of socket) seqs.push(Number(body!.toString()));
	})();
	return {socket, seqs};
}

// A connects before the first tick; B only after tick LATE_AFTER. The publisher waits for nobody.
const early = tickSubscriber();
let late: ReturnType<typeof tickSubscriber> | undefined;
let seq = 0;
while (seq < 5000) {
	seq++;
	published.push(seq);
	await pub.send(['tick', String(seq)]);
	if (seq === LATE_AFTER) late = tickSubscriber();
	// Stop a little after both have started receiving.
	const lateFirst = late?.seqs[0];
	if (early.seqs.length > 0 && lateFirst !== undefined && seq >= lateFirst + AFTER_LATE) break;
	await new Promise(setImmediate); // let the sockets' I/O run between sends
}
const last = seq;
await until('both subscribers to receive the last tick', () => early.seqs.at(-1) === last && late?.seqs.at(-1) === last);
const lateSub = late!;
const inOrder = (seqs: number[]) => seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1);
const earlyFirst = early.seqs[0]!;
const lateFirst = lateSub.seqs[0]!;
console.log(`   published tick 1 to ${last} as fast as it could, waiting for nobody`);
const earlyWhy =
	earlyFirst > 1
		? 'its connection and subscription were still on the way: the "slow joiner"'
		: 'this time its subscription arrived in time; run it again, it often does not';
console.log(`   subscriber A connected before tick 1 was sent: first tick #${earlyFirst}, lost ${earlyFirst - 1} (${earlyWhy})`);
console.log(`   subscriber B connected after tick ${LATE_AFTER} was sent: first tick #${lateFirst}, lost ${lateFirst - 1}`);
console.log(`   after their first tick both got every tick, in order: ${inOrder(early.seqs) && inOrder(lateSub.seqs)}`);

// ---------------------------------------------------------------------------------------
console.log('\n3. The cure zchat uses (the zguide\'s Clone pattern): subscribe first, then ask for what came before');
const ask = new zmq.Request({linger: 0, receiveTimeout: 2000});
ask.connect(historyServer.lastEndpoint!);
await ask.send(JSON.stringify({before: lateFirst}));
const [reply] = await ask.receive();
const caughtUp = (JSON.parse(reply!.toString()) as number[]).concat(lateSub.seqs);
const missing = last - new Set(caughtUp).size;
console.log(`   B asked the publisher's history (over REQ) for the ticks before #${lateFirst}: got ${caughtUp.length - lateSub.seqs.length}`);
console.log(`   B now has ticks 1 to ${last}, missing ${missing}, in order: ${inOrder(caughtUp)}`);

for (const socket of [early.socket, lateSub.socket, ask, historyServer, pub]) socket.close();

console.log(`
How zchat does it: every feed event carries its room's sequence number. A client subscribes
first, then asks the hub (over its DEALER) for the room's recent history and drops feed
events the history already covered; a gap in the numbers (a slow joiner, or a PUB that
dropped messages for a subscriber at its high-water mark) makes it ask for the missing ones.
Room topics end with ":" so "#dev:" never matches "#devops:".`);
