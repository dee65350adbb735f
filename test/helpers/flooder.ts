/**
 * A hostile client in a process of its own: it says hello, then sends `say` commands as fast
 * as its socket takes them, 16 to a message, never reading the answers, until killed.
 * Usage: node flooder.js ENDPOINT
 */
import * as zmq from 'zeromq';

const endpoint = process.argv[2]!;
const dealer = new zmq.Dealer({linger: 0, sendHighWaterMark: 100_000});
dealer.connect(endpoint);
await dealer.send(JSON.stringify({type: 'hello', v: 1, id: 'h', nick: 'flooder', session: 'flooder-secret-0123456789'}));
await dealer.receive();
process.stdout.write('flooding\n');
let n = 0;
const report = setInterval(() => process.stdout.write(`sent ${n}\n`), 250);
report.unref();
for (;;) {
	const batch = Array.from({length: 16}, () => JSON.stringify({type: 'say', id: `f${n++}`, room: 'lobby', text: 'FLOOD'}));
	await dealer.send(batch);
}
