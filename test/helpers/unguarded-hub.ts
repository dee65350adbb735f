/**
 * A zchat hub with its ZMTP guard turned off, in a process of its own: the routing-id test
 * shows that a peer can abort it, so the guard is what protects an open hub.
 */
import {HubServer} from '../../src/hub/server.js';

const hub = await HubServer.start({host: '127.0.0.1', subPort: 0, pubPort: 0, guard: false});
process.stdout.write(`${hub.routerEndpoint}\n`);
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
