/**
 * PUB/SUB topics. Rooms are topics; ZeroMQ matches subscriptions by prefix, so every topic
 * ends with ":", a character no room name may contain: a subscription to "#dev:" never
 * receives "#devops:".
 */

const TOPIC_PREFIX = '#';
const TOPIC_END = ':';

/** The topic frame a room's events are published under: "lobby" → "#lobby:". */
export function roomTopic(room: string): string {
	return TOPIC_PREFIX + room + TOPIC_END;
}

/** The room a topic frame names, or undefined when it is not a room topic. */
export function topicRoom(topic: string): string | undefined {
	if (!topic.startsWith(TOPIC_PREFIX) || !topic.endsWith(TOPIC_END) || topic.length < 3) return undefined;
	return topic.slice(TOPIC_PREFIX.length, -TOPIC_END.length);
}
