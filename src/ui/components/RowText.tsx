import {Text} from 'ink';
import {memo} from 'react';
import type {Row} from '../rows.js';

/** One row of the screen: styled segments, cut (never wrapped) to the width it is given. */
export const RowText = memo(function RowText({row}: {readonly row: Row}) {
	const empty = row.segments.every(s => s.text === '');
	return (
		<Text wrap="truncate">
			{empty
				? ' '
				: row.segments.map((s, i) => (
						<Text key={i} color={s.color} backgroundColor={s.backgroundColor} dimColor={s.dim} bold={s.bold} italic={s.italic} inverse={s.inverse}>
							{s.text}
						</Text>
					))}
		</Text>
	);
});
