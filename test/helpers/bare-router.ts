/**
 * A bare ROUTER, as any zeromq.js program would make one, in a process of its own: the
 * routing-id test shows that a peer can abort it. Prints its endpoint, then serves.
 */
import * as zmq from 'zeromq';

const router = new zmq.Router({linger: 0});
await router.bind('tcp://127.0.0.1:*');
process.stdout.write(`${router.lastEndpoint}\n`);
for await (const [peer, ...frames] of router) {
	await router.send([peer!, ...frames]);
}
