/**
 * The look-alike table of issue 12: nicks next to reserved or taken ones that a reader of a
 * terminal cannot tell apart (or barely: a dot, an underscore, a digit for a letter, rn for
 * m, vv for w, cl for d). Each pair must clash both ways. The controls are near but plainly
 * other names, and must stay free (a defence that refuses everything is no defence).
 */

/** [base nick, look-alike]. The bases are distinct from each other under every folding. */
export const LOOKALIKE_PAIRS: ReadonlyArray<readonly [string, string]> = [
	['alice', 'alice.'],
	['alice', 'alice_'],
	['alice', '_alice'],
	['alice', 'a.lice'],
	['alice', 'a-lice'],
	['alice', '4lice'],
	['alice', 'al1ce'],
	['bob', 'bob.'],
	['bob', '8ob'],
	['bob', 'b0b'],
	['bob', 'bo8'],
	['bob', '_bob_'],
	['bob', 'b-o-b'],
	['sam', '5am'],
	['sam', 'S4M'],
	['sam', 's4m'],
	['sam', 'sa_m'],
	['sam', '54m'],
	['william', 'vvilliam'],
	['william', 'wi11iam'],
	['william', 'wil.liam'],
	['william', 'VVILLIAM'],
	['william', 'wiIIiam'],
	['dan', 'clan'],
	['dan', 'd4n'],
	['dan', 'dan_'],
	['dan', 'CLAN'],
	['dan', 'c1an'],
	['eve', '3ve'],
	['eve', 'ev3'],
	['zed', '23d'],
	['greg', '9reg'],
	['greg', 'gr3g'],
	['emma', 'ernrna'],
	['emma', '3mma'],
	['mallory', 'rnallory'],
	['oscar', '0scar'],
	['oscar', 'o5car'],
	['lisa', '1isa'],
	['lisa', 'li5a'],
	['wendy', 'vvendy'],
	['carl', 'car1'],
	['ida', 'i.d.a'],
	['bea', '83a'],
	['owen', '0vven'],
	['dora', 'clora'],
];

/** The reserved nicks (each listed once with a key of its own on the hub with keys). */
export const LOOKALIKE_BASES: readonly string[] = [...new Set(LOOKALIKE_PAIRS.map(([base]) => base))];

/** [base, control]: near, but plainly another name; let in while the base is held. */
export const LOOKALIKE_CONTROLS: ReadonlyArray<readonly [string, string]> = [
	['alice', 'alicia'],
	['bob', 'bobby'],
	['sam', 'samuel'],
	['dan', 'danny'],
	['greg', 'greta'],
	['eve', 'evelyn'],
	['owen', 'owens'],
];
