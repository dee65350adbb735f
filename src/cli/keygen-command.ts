import {resolve} from 'node:path';
import {Command, Option} from '@commander-js/extra-typings';
import {defaultKeyFile, generateKeyPair, writeKeyPair} from '../keys.js';

export function makeKeygenCommand(): Command<[], Record<string, unknown>> {
	const cmd = new Command('keygen')
		.description('make a CURVE key pair: for a hub (--key) or for a member (join --key)')
		.addOption(new Option('--out <file>', 'where to write the secret key; the public key goes to FILE.pub (default: $XDG_CONFIG_HOME/zchat/key)'))
		.addOption(new Option('--force', 'replace existing key files (whoever uses the old key can no longer connect)'))
		.addOption(new Option('--comment <text>', 'a note kept in the key files (whose key it is)'))
		.addHelpText(
			'after',
			`
The secret key file is written with mode 0600; the public key is printed on stdout and
written beside it. A hub operator puts members' public keys in the hub's --authorized file,
one line each: "<public key> <nick> [comment]".

Examples:
  $ zchat keygen                                # your key, in ~/.config/zchat/key
  $ zchat keygen --out /etc/zchat/hub.key        # a hub's key
  $ zchat hub --key /etc/zchat/hub.key --authorized /etc/zchat/members`,
		)
		.action(opts => {
			const file = resolve(opts.out ?? defaultKeyFile());
			const pair = generateKeyPair();
			writeKeyPair(file, pair, {force: opts.force === true, ...(opts.comment ? {comment: opts.comment} : {})});
			process.stderr.write(`zchat: wrote the secret key to ${file} (keep it secret) and the public key to ${file}.pub\n`);
			process.stdout.write(`${pair.publicKey}\n`);
		});
	return cmd as unknown as Command<[], Record<string, unknown>>;
}
