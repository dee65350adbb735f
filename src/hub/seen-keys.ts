/**
 * The public keys each nick was last seen with (table `nick_keys`), so that a ban of a nick
 * whose member is offline bans their key too: a few keys a nick, the most recent kept.
 */
import type Database from 'better-sqlite3';

/** Keys remembered per nick: the most recent ones. */
const KEYS_PER_NICK = 4;

export class SeenKeys {
	private readonly upsert: Database.Statement;
	private readonly select: Database.Statement;
	private readonly trim: Database.Statement;

	/** Make the table if the database has none. */
	constructor(db: Database.Database) {
		db.exec('CREATE TABLE IF NOT EXISTS nick_keys (nick TEXT NOT NULL, key TEXT NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (nick, key)) WITHOUT ROWID');
		this.upsert = db.prepare('INSERT INTO nick_keys (nick, key, seen) VALUES (?, ?, ?) ON CONFLICT (nick, key) DO UPDATE SET seen = excluded.seen');
		this.select = db.prepare('SELECT key FROM nick_keys WHERE nick = ? ORDER BY seen DESC').pluck();
		this.trim = db.prepare(
			'DELETE FROM nick_keys WHERE nick = @nick AND key NOT IN (SELECT key FROM nick_keys WHERE nick = @nick ORDER BY seen DESC LIMIT @keep)',
		);
	}

	/** A nick (by its nickKey) was used with a key now. Throws when it cannot be written. */
	saw(nickKey: string, key: string, now: number): void {
		this.upsert.run(nickKey, key, now);
		this.trim.run({nick: nickKey, keep: KEYS_PER_NICK});
	}

	/** The keys a nick was seen with, the most recent first. */
	keysOf(nickKey: string): string[] {
		return this.select.all(nickKey) as string[];
	}
}
