/** A peer's source address as the hub counts it: one name for each address, whatever the socket's family. */

/** IPv4 peers on a dual-stack socket show as "::ffff:1.2.3.4": count them as 1.2.3.4. */
export function plainAddress(address: string): string {
	return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
