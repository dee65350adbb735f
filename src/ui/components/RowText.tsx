import {Text} from 'ink';
import {memo} from 'react';
import {styleRow} from '../ink-style.js';
import type {Row} from '../rows.js';

/**
 * One row of the screen, cut (never wrapped) to the width it is given: one `<Text>` holding
 * its segments already styled as Ink would style a `<Text>` each (src/ui/ink-style.ts), so a
 * row is three React nodes and one Ink node, however many styles it has.
 */
export const RowText = memo(function RowText({row}: {readonly row: Row}) {
	return <Text wrap="truncate">{styleRow(row)}</Text>;
});
