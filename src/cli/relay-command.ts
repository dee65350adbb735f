/**
 * `zchat relay`: serve a hub's room from another machine (or to another thousand users): flags
 * and ZCHAT_* env like the hub's, a banner with the `zchat join` that reaches it.
 */
import {Command, InvalidArgumentError, Option} from '@commander-js/extra-typings';
import {ZchatError} from '../errors.js';
import {readKeyPair, readPublicKey} from '../keys.js';
import {VERSION} from '../version.js';
import {collectRelay} from './hub-command.js';
import {stopOnSignals} from './stop-on-signals.js';
import {hubAddressOptions, parsePort} from './options.js';

/** The line `zchat relay --ready-json` prints once it listens, after its banner. */
export interface RelayReady {
	readonly zchat: 'relay';
	readonly version: string;
	readonly host: string;
	readonly sub: number;
	readonly pub: number;
	/** The relay's public key: clients pass it as --server-key; the hub lists it with --relay. */
	readonly serverKey: string;
	readonly upstream: string;
	readonly pid: number;
}

interface UpstreamAddress {
	readonly host: string;
	readonly sub: number;
	readonly pub: number;
}

/** HOST, HOST:SUB:PUB or [IPv6]:SUB:PUB (ports default to 5555 and 5556). */
export function parseUpstream(value: string): UpstreamAddress {
	const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+):(\d+))?$/.exec(value.trim());
	if (!m) throw new InvalidArgumentError('must be HOST or HOST:SUB:PUB (e.g. hub.example.org:5555:5556).');
	const port = parsePort(false);
	return {host: (m[1] ?? m[2])!, sub: m[3] === undefined ? 5555 : port(m[3]), pub: m[4] === undefined ? 5556 : port(m[4])};
}

export function makeRelayCommand(): Command<[], Record<string, unknown>> {
	const [host, sub, pub] = hubAddressOptions(true);
	const cmd = new Command('relay')
		.description("serve a hub's rooms to clients near this machine: one connection upstream carries them all")
		.addOption(new Option('--upstream <host[:sub:pub]>', 'the hub (or another relay) to relay').env('ZCHAT_UPSTREAM').argParser(parseUpstream).makeOptionMandatory())
		.addOption(host)
		.addOption(sub)
		.addOption(pub)
		.addOption(new Option('--key <file>', "this relay's CURVE key pair (make one with \"zchat keygen\"): the hub lists its public key with --relay; clients encrypt to it").env('ZCHAT_RELAY_KEY').makeOptionMandatory())
		.addOption(new Option('--server-key <key|file>', "the upstream's public key (the hub prints it when started with --key)").env('ZCHAT_SERVER_KEY').makeOptionMandatory())
		.addOption(new Option('--relay <key|file>', 'trust a relay below this one (a chain) with this public key; repeat for several').env('ZCHAT_RELAY').argParser(collectRelay))
		.addOption(new Option('-q, --quiet', 'print only the listening banner and errors'))
		.addOption(new Option('--ready-json', 'once listening, print one JSON line after the banner (host, sub, pub, serverKey, upstream, pid) for programs that start a relay'))
		.addHelpText(
			'after',
			`
Examples:
  $ zchat keygen --out relay.key
  $ zchat hub --key hub.key --relay relay.key.pub            # on the hub's machine
  $ zchat relay --upstream hub.example.org --server-key hub.key.pub --key relay.key --host 0.0.0.0
  $ zchat relay --upstream 10.0.0.2:7000:7001 --server-key 'rq:rM>...' --key relay.key --sub 0 --pub 0 --ready-json

Running relays: the README's "Relays" section; what a relay can and cannot do: docs/SECURITY.md.`,
		)
		.action(async opts => {
			const log = opts.quiet ? () => {} : (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
			const curve = readKeyPair(opts.key, '--key');
			const serverKey = readPublicKey(opts.serverKey, '--server-key');
			if (serverKey === curve.publicKey) throw new ZchatError('--server-key is this relay\'s own key: pass the upstream\'s public key (the hub prints it)', 2);
			const up = opts.upstream;
			// Loaded when a relay starts, not with the CLI: every other zchat command (join's first frame) would pay for it.
			const {Relay} = await import('../relay/relay.js');
			const relay = await Relay.start({
				host: opts.host,
				subPort: opts.sub,
				pubPort: opts.pub,
				upstream: {host: up.host, subPort: up.sub, pubPort: up.pub, serverKey},
				curve,
				relayKeys: opts.relay ?? [],
				version: VERSION,
				log,
			});
			const stopped = stopOnSignals(() => relay.stop(), log);
			process.stdout.write(
				[
					`zchat relay ${VERSION} listening on ${relay.host}`,
					`  commands (ROUTER)  ${relay.routerEndpoint}`,
					`  feed (PUB)         ${relay.pubEndpoint}`,
					`  upstream           ${relay.upstreamEndpoint} (key ${serverKey})`,
					`  relay key          ${curve.publicKey} (the hub must list it: zchat hub --key … --relay '${curve.publicKey}')`,
					'join it with:',
					`  npx zchat join --host ${relay.host === '0.0.0.0' || relay.host === '::' ? 'THIS_MACHINE' : relay.host} --sub ${relay.subPort} --pub ${relay.pubPort} --server-key '${curve.publicKey}' --key YOUR_KEY_FILE`,
					'',
				].join('\n'),
			);
			if (opts.readyJson) {
				const ready: RelayReady = {
					zchat: 'relay',
					version: VERSION,
					host: relay.host,
					sub: relay.subPort,
					pub: relay.pubPort,
					serverKey: curve.publicKey,
					upstream: relay.upstreamEndpoint,
					pid: process.pid,
				};
				process.stdout.write(JSON.stringify(ready) + '\n');
			}
			await stopped;
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
