import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {COMMANDS, helpText, parseInput} from '../src/client/commands.js';
import {generateKeyPair} from '../src/keys.js';

/** What a typed line means, without a client: every command, its aliases, and what is refused. */

const error = (line: string): string => {
	const r = parseInput(line);
	assert.ok(r !== undefined && 'error' in r, `${JSON.stringify(line)} should be refused, got ${JSON.stringify(r)}`);
	return r.error;
};

describe('parseInput: plain lines', () => {
	test('text is said as typed, spaces and line breaks kept', () => {
		assert.deepEqual(parseInput('hello'), {type: 'say', text: 'hello'});
		assert.deepEqual(parseInput('  indented  '), {type: 'say', text: '  indented  '});
		assert.deepEqual(parseInput('two\nlines'), {type: 'say', text: 'two\nlines'});
		assert.deepEqual(parseInput('a/b is not a command'), {type: 'say', text: 'a/b is not a command'});
	});

	test('"//" says a line that starts with "/"', () => {
		assert.deepEqual(parseInput('//join is how you join'), {type: 'say', text: '/join is how you join'});
		assert.deepEqual(parseInput('//'), {type: 'say', text: '/'});
	});

	test('an empty or blank line says nothing', () => {
		assert.equal(parseInput(''), undefined);
		assert.equal(parseInput('   '), undefined);
		assert.equal(parseInput('\t\n'), undefined);
	});
});

describe('parseInput: commands', () => {
	test('names are case-insensitive and aliases mean the same', () => {
		assert.deepEqual(parseInput('/JOIN #Dev'), {type: 'join', room: 'dev'});
		assert.deepEqual(parseInput('/j dev'), {type: 'join', room: 'dev'});
		assert.deepEqual(parseInput('/query bob hi'), {type: 'query', nick: 'bob', text: 'hi'});
		assert.deepEqual(parseInput('/q @bob'), {type: 'query', nick: 'bob'});
		assert.deepEqual(parseInput('/wc'), {type: 'close'});
		assert.deepEqual(parseInput('/r thanks'), {type: 'reply', text: 'thanks'});
		assert.deepEqual(parseInput('/leave'), {type: 'part'});
		assert.deepEqual(parseInput('/list'), {type: 'rooms'});
		assert.deepEqual(parseInput('/go @bob'), {type: 'switch', view: '@bob'});
		assert.deepEqual(parseInput('/names'), {type: 'who'});
		for (const quit of ['/quit', '/exit', '/bye']) assert.deepEqual(parseInput(quit), {type: 'quit'});
	});

	test('/msg: the nick (with or without "@") and the rest of the line as it was typed', () => {
		assert.deepEqual(parseInput('/msg @bob  hello   there '), {type: 'msg', to: 'bob', text: 'hello   there'});
		assert.match(error('/msg bob'), /^usage: \/msg nick text$/);
		assert.match(error('/msg b!b hi'), /^\/msg: "b!b" is not a nick/);
	});

	test('/query opens a conversation with or without text; /close takes nothing; /set a name and the rest', () => {
		assert.deepEqual(parseInput('/query bob'), {type: 'query', nick: 'bob'});
		assert.match(error('/query'), /^usage: \/query nick \[text\]$/);
		assert.match(error('/query b!b'), /^\/query: "b!b" is not a nick/);
		assert.deepEqual(parseInput('/close'), {type: 'close'});
		assert.match(error('/close #dev'), /^usage: \/close$/);
		assert.deepEqual(parseInput('/set rooms lobby, dev'), {type: 'set', name: 'rooms', value: 'lobby, dev'});
		assert.match(error('/set bell'), /^usage: \/set name value$/);
	});

	test('/join takes exactly one valid room', () => {
		assert.match(error('/join'), /^usage: \/join #room$/);
		assert.match(error('/join a b'), /^usage: \/join #room$/);
		assert.match(error('/join #no:colons'), /is not a room name/);
		assert.match(error('/join #'), /cannot be empty/);
	});

	test('/part: a room and a reason, a reason alone, or nothing', () => {
		assert.deepEqual(parseInput('/part #dev  gone fishing '), {type: 'part', room: 'dev', reason: 'gone fishing'});
		assert.deepEqual(parseInput('/part #dev'), {type: 'part', room: 'dev'});
		assert.deepEqual(parseInput('/part see you'), {type: 'part', reason: 'see you'});
		assert.match(error('/part #Bad!'), /is not a room name/);
	});

	test('/topic, /away, /back, /who, /whois, /nick, /switch', () => {
		assert.deepEqual(parseInput('/topic'), {type: 'topic'});
		assert.deepEqual(parseInput('/topic  release day '), {type: 'topic', text: 'release day'});
		assert.deepEqual(parseInput('/away lunch, back at 2'), {type: 'away', text: 'lunch, back at 2'});
		assert.deepEqual(parseInput('/away'), {type: 'back'}, 'away with no message ends it');
		assert.deepEqual(parseInput('/back'), {type: 'back'});
		assert.deepEqual(parseInput('/who *'), {type: 'who', room: '*'});
		assert.deepEqual(parseInput('/who #Ops'), {type: 'who', room: 'ops'});
		assert.match(error('/who #x!'), /is not a room name/);
		assert.deepEqual(parseInput('/whois carol'), {type: 'whois', nick: 'carol'});
		assert.match(error('/whois'), /^usage: \/whois nick$/);
		assert.match(error('/whois a b'), /^usage: \/whois nick$/);
		assert.deepEqual(parseInput('/nick alice_2'), {type: 'nick', nick: 'alice_2'});
		assert.match(error('/nick ' + 'x'.repeat(17)), /^\/nick: a nick has at most 16 characters \(got 17\)$/);
		assert.deepEqual(parseInput('/switch #Dev'), {type: 'switch', view: '#dev'});
		assert.match(error('/switch @'), /a nick cannot be empty/);
		assert.match(error('/switch'), /^usage: \/switch/);
	});

	test('/me, /reply, /ignore, /unignore, /clear and /help', () => {
		assert.deepEqual(parseInput('/me waves'), {type: 'me', text: 'waves'});
		assert.match(error('/me'), /^usage: \/me action$/);
		assert.match(error('/reply   '), /^usage: \/reply text$/);
		assert.deepEqual(parseInput('/ignore'), {type: 'ignore'});
		assert.deepEqual(parseInput('/ignore bob'), {type: 'ignore', nick: 'bob'});
		assert.match(error('/ignore bob carol'), /^usage: \/ignore/);
		assert.deepEqual(parseInput('/unignore bob'), {type: 'unignore', nick: 'bob'});
		assert.match(error('/unignore'), /^usage: \/unignore nick$/);
		assert.deepEqual(parseInput('/clear'), {type: 'clear'});
		assert.deepEqual(parseInput('/help'), {type: 'help'});
		assert.deepEqual(parseInput('/help /msg'), {type: 'help', command: 'msg'});
	});

	test('an unknown command says so, its name cut short', () => {
		assert.equal(error('/dance'), 'unknown command "/dance": /help lists the commands');
		assert.equal(error('/' + 'z'.repeat(100)), `unknown command "/${'z'.repeat(20)}": /help lists the commands`);
		assert.equal(error('/'), 'unknown command "/": /help lists the commands');
	});
});

describe('parseInput: operator commands', () => {
	test('/kick with and without a reason', () => {
		assert.deepEqual(parseInput('/kick bob'), {type: 'kick', nick: 'bob'});
		assert.deepEqual(parseInput('/kick bob  being rude '), {type: 'kick', nick: 'bob', reason: 'being rude'});
		assert.match(error('/kick'), /^usage: \/kick/);
		assert.match(error('/kick b@d'), /^\/kick: /);
	});

	test('/ban and /mute: a duration when the second word is one, else it starts the reason', () => {
		assert.deepEqual(parseInput('/ban bob 10m spam'), {type: 'ban', target: 'bob', durationMs: 600_000, reason: 'spam'});
		assert.deepEqual(parseInput('/ban bob'), {type: 'ban', target: 'bob'});
		assert.deepEqual(parseInput('/ban bob for spamming'), {type: 'ban', target: 'bob', reason: 'for spamming'});
		assert.deepEqual(parseInput('/ban bob 2h'), {type: 'ban', target: 'bob', durationMs: 7_200_000});
		assert.deepEqual(parseInput('/mute carol 30s cool down'), {type: 'mute', nick: 'carol', durationMs: 30_000, reason: 'cool down'});
		assert.deepEqual(parseInput('/mute carol 0s'), {type: 'mute', nick: 'carol', reason: '0s'}, 'a zero duration is no duration');
		assert.match(error('/mute'), /^usage: \/mute/);
		assert.match(error('/mute c!rol'), /^\/mute: /);
	});

	test('/ban and /unban take a nick or a public key, and quote at most 40 characters of anything else', () => {
		const key = generateKeyPair().publicKey;
		assert.deepEqual(parseInput(`/ban ${key} 7d`), {type: 'ban', target: key, durationMs: 7 * 86_400_000});
		assert.deepEqual(parseInput(`/unban ${key}`), {type: 'unban', target: key});
		const junk = '!'.repeat(60);
		assert.equal(error(`/ban ${junk}`), `/ban: "${'!'.repeat(40)}" is neither a nick nor a public key`);
		assert.equal(error(`/unban ${junk}`), `/unban: "${'!'.repeat(40)}" is neither a nick nor a public key`);
		assert.match(error('/unban'), /^usage: \/unban/);
		assert.match(error('/unban a b'), /^usage: \/unban/);
		assert.deepEqual(parseInput('/bans'), {type: 'bans'});
		assert.deepEqual(parseInput('/unmute carol'), {type: 'unmute', nick: 'carol'});
		assert.match(error('/unmute'), /^usage: \/unmute nick$/);
	});

	test('/lock and /unlock: the current room or one named', () => {
		assert.deepEqual(parseInput('/lock'), {type: 'lock', locked: true});
		assert.deepEqual(parseInput('/unlock #Dev'), {type: 'lock', locked: false, room: 'dev'});
		assert.match(error('/lock a b'), /^usage: \/lock/);
		assert.match(error('/unlock a b'), /^usage: \/unlock/);
		assert.match(error('/lock #b@d'), /is not a room name/);
	});
});

describe('helpText', () => {
	test('one line per command, a line on plain text and the keys that switch tabs; the details of one; an unknown one', () => {
		const all = helpText();
		for (const [i, c] of COMMANDS.entries()) assert.ok(all[i]!.startsWith(c.usage), all[i]);
		assert.match(all[COMMANDS.length]!, /does not start with "\/"/);
		const keys = all.slice(COMMANDS.length + 1).join('\n');
		assert.match(keys, /Alt\+1…9/);
		assert.match(keys, /Ctrl\+N and Ctrl\+P/);
		assert.match(keys, /PgUp/);
		assert.deepEqual(helpText('MSG'), ['/msg nick text — send a private message', COMMANDS.find(c => c.name === 'msg')!.details]);
		assert.deepEqual(helpText('x'.repeat(50)), [`no command "/${'x'.repeat(20)}": /help lists them`]);
	});

	test('every command /help lists is one parseInput knows', () => {
		for (const c of COMMANDS) {
			const r = parseInput(`/${c.name}`);
			assert.ok(r === undefined || !('error' in r) || !r.error.startsWith('unknown command'), `/${c.name}: ${JSON.stringify(r)}`);
		}
	});
});
