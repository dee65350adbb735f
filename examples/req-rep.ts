/**
 * REQ-REP: a client asks, a server answers, strictly in turn.
 *
 * Shows: the request/reply round trip; that a REQ must alternate send() and receive()
 * (EFSM when it does not); what a REQ does when the server never answers (it waits for
 * ever, unless it has a receiveTimeout, and then it is stuck: close it and open a new one);
 * and that a REP serves one request at a time.
 *
 * Run: npm run example -- req-rep
 */
import * as zmq from 'zeromq';
import {delay, errorCode} from './util.js';

const SLOW_MS = 600;
const PATIENCE_MS = 250;

// The server: a REP bound to a free port. It alternates too: receive, send, receive, send…
const rep = new zmq.Reply({linger: 0});
await rep.bind('tcp://127.0.0.1:*');
const endpoint = rep.lastEndpoint!;
console.log(`REP server bound to ${endpoint} (asked for "tcp://127.0.0.1:*", read back from lastEndpoint)`);

const server = (async () => {
	for await (const [request] of rep) {
		const name = request!.toString();
		// One request plays a slow job: the REP can do nothing else meanwhile.
		if (name === 'slow job') await delay(SLOW_MS);
		await rep.send(`Hello ${name}`);
	}
})();

console.log('\n1. The round trip: send() a request, receive() its reply, then the next');
const req = new zmq.Request({linger: 0});
req.connect(endpoint);
for (const name of ['alice', 'bob', 'carol']) {
	await req.send(name);
	const [reply] = await req.receive();
	console.log(`   REQ sent "${name}", got "${reply!.toString()}"`);
}

console.log('\n2. The rule: a REQ must alternate send() and receive()');
// libzmq refuses a second send with EFSM. zeromq.js reports it only once sendTimeout has
// passed: with sendTimeout 0 at once, with the default (no timeout) never: the send waits.
req.sendTimeout = 0;
await req.send('dave');
try {
	await req.send('erin');
	console.log('   a second send() was accepted (unexpected)');
} catch (err) {
	console.log(`   send("dave") then send("erin") with no receive() between: ${errorCode(err)} (${(err as Error).message})`);
}
req.sendTimeout = -1;
let erinSent = false;
const erin = req.send('erin').then(() => (erinSent = true));
await delay(50);
console.log(`   with no sendTimeout (the default) zeromq.js does not fail: the send stays pending (sent after 50 ms: ${erinSent})`);
const [daveReply] = await req.receive();
await erin;
console.log(`   …until receive() takes the reply ("${daveReply!.toString()}"): then it goes (sent: ${erinSent})`);
const [erinReply] = await req.receive();
console.log(`   and its reply follows ("${erinReply!.toString()}"). A forgotten receive() shows as a send() that hangs.`);
req.close();

console.log('\n3. The pitfall: a server that does not answer in time');
const impatient = new zmq.Request({linger: 0, receiveTimeout: PATIENCE_MS, sendTimeout: 0});
impatient.connect(endpoint);
await impatient.send('slow job');
const started = Date.now();
try {
	await impatient.receive();
} catch (err) {
	console.log(`   receive() with receiveTimeout ${PATIENCE_MS} ms: ${errorCode(err)} after ${Date.now() - started} ms (without a timeout it would wait for ever)`);
}
try {
	await impatient.send('try again');
} catch (err) {
	console.log(`   the same REQ cannot ask again: ${errorCode(err)} (with no sendTimeout the send would hang): it still owes a receive()`);
}
impatient.close(); // linger 0: the unsent and the unanswered go with it
console.log('   so close it (linger 0) and open a new REQ: the "lazy pirate" recipe');
console.log('   (libzmq also has REQ_RELAXED + REQ_CORRELATE, `relaxed: true, correlate: true`, for the same end)');
const fresh = new zmq.Request({linger: 0});
fresh.connect(endpoint);
const asked = Date.now();
await fresh.send('frank');
const [frankReply] = await fresh.receive();
const waited = Date.now() - asked;
console.log(`   a new REQ asked "frank" and got "${frankReply!.toString()}" after ${waited} ms:`);
console.log('   the REP was still busy with the slow job, whose reply went nowhere (its asker was gone)');
fresh.close();

rep.close();
await server.catch(() => {});

console.log(`
How zchat does it: "zchat who" and "zchat stats" ask the hub over a REQ like this one, one
question and one answer at a time; after --timeout the REQ is closed with linger 0 and the
command says so and exits 1. The hub answers with a ROUTER, not a REP, so a slow or vanished
asker never holds up anyone else, and the chat itself uses DEALER: it must send without
waiting for each answer.`);
