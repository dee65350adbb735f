/**
 * DEALER-ROUTER: asynchronous requests and replies.
 *
 * Shows: a DEALER may send many messages without waiting for replies (no alternation);
 * the ROUTER receives each message with the sender's routing id as its first frame and
 * must put that id first on its reply; ids are chosen by the connecting peer or made up by
 * the ROUTER, change when a peer reconnects, and a second peer claiming a taken id is
 * ignored; a reply to an id that is gone is dropped (or EHOSTUNREACH with `mandatory`);
 * a REQ talking to a ROUTER adds an empty delimiter frame.
 *
 * Run: npm run example -- dealer-router
 */
import * as zmq from 'zeromq';
import {errorCode, until} from './util.js';

const idText = (id: Buffer) => (/^[\x20-\x7e]+$/.test(id.toString('latin1')) ? `"${id.toString('latin1')}"` : `0x${id.toString('hex')}`);

// mandatory: true makes a reply to an unknown routing id fail instead of vanishing.
const router = new zmq.Router({linger: 0, mandatory: true, handover: false});
let disconnects = 0;
router.events.on('disconnect', () => disconnects++);
await router.bind('tcp://127.0.0.1:*');
const endpoint = router.lastEndpoint!;
console.log(`ROUTER bound to ${endpoint}`);

/** Receive one message on the ROUTER; print and return its routing id and body. */
async function receive(label: string): Promise<{id: Buffer; body: string[]}> {
	const [id, ...body] = await router.receive();
	const text = body.map(f => JSON.stringify(f.toString()));
	console.log(`   ROUTER got [${idText(id!)}, ${text.join(', ')}] ${label}`);
	return {id: id!, body: body.map(f => f.toString())};
}

console.log('\n1. No alternation: a DEALER sends three requests at once, then reads the replies');
const alice = new zmq.Dealer({linger: 0, routingId: 'alice'});
alice.connect(endpoint);
for (const n of [1, 2, 3]) await alice.send(`job ${n}`);
console.log('   alice (routingId "alice") sent job 1, job 2, job 3 without waiting');
for (let i = 0; i < 3; i++) {
	const {id, body} = await receive('← the first frame is the sender\'s routing id');
	// The reply goes to whoever's id comes first; the frames after it are the body.
	await router.send([id, 'done', body[0]!]);
}
for (let i = 0; i < 3; i++) {
	const reply = await alice.receive();
	console.log(`   alice got [${reply.map(f => JSON.stringify(f.toString())).join(', ')}] (one receive() returns every frame of a message)`);
}

console.log('\n2. Routing ids: made up by the ROUTER unless the peer sets one, new on every connection');
const bob = new zmq.Dealer({linger: 0});
bob.connect(endpoint);
await bob.send('hello from bob');
const before = await receive('← bob set no id: the ROUTER made one up');
bob.close(); // bob's program restarts (a dropped connection that libzmq re-makes by itself is the same)
await until('the ROUTER to see bob go', () => disconnects === 1);
const bobAgain = new zmq.Dealer({linger: 0});
bobAgain.connect(endpoint);
await bobAgain.send('bob again');
const after = await receive('← bob, reconnected: a different id');
console.log(`   bob's id changed on reconnect: ${!before.id.equals(after.id)}`);
try {
	await router.send([before.id, 'reply to the old id']);
	console.log('   a reply to the old id was accepted (unexpected)');
} catch (err) {
	console.log(`   a reply to bob's old id: ${errorCode(err)} (without mandatory: silently dropped)`);
}

console.log('\n3. A second peer claiming a taken id');
const impostor = new zmq.Dealer({linger: 0, routingId: 'alice'});
impostor.connect(endpoint);
await impostor.send('I am alice too');
router.receiveTimeout = 300;
try {
	await receive('← from the impostor');
	console.log('   the impostor was heard (unexpected with handover: false)');
} catch (err) {
	console.log(`   nothing arrives in 300 ms (${errorCode(err)}): with handover false the ROUTER ignores the newcomer;`);
	console.log('   with handover true it would hand "alice" (and her replies) to the impostor');
}
router.receiveTimeout = -1;

console.log('\n4. A REQ talking to a ROUTER');
const req = new zmq.Request({linger: 0});
req.connect(endpoint);
await req.send('who is here?');
const asked = await receive('← a REQ puts an empty delimiter frame before its body');
await router.send([asked.id, '', 'alice, bob']);
const [answer] = await req.receive();
console.log(`   the ROUTER replied [id, "", body]; the REQ got "${answer!.toString()}"`);

for (const socket of [alice, bobAgain, impostor, req, router]) socket.close();

console.log(`
How zchat does it: the hub never takes a routing id as anyone's identity, because the peer
picks it and it changes on every reconnect. A client says hello with a secret session token;
the hub binds the session to the current routing id and re-binds it when the same token
comes back from a new one. Replies go to the session's current id; the nick on every
message is stamped by the hub from its session table. The hub answers both envelopes:
DEALER frames as sent, and REQ's [id, "", body] (zchat who / zchat stats).`);
