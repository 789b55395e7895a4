import { describe, expect, it } from 'vitest';
import { textTable } from '../lib/cli/text-table';

// Expected texts are what cli-table3 0.6.5 drew with `compact: true` and no colours (the renderer
// the CLI used before), so scripts and eyes that read the old tables read the new ones.
describe('textTable', () => {
  it('draws the head alone when there are no rows', () => {
    expect(textTable(['a', 'bb'], [])).toBe('┌───┬────┐\n│ a │ bb │\n└───┴────┘');
  });

  it('sizes each column to its widest line, and spreads a cell with line breaks over several lines', () => {
    expect(textTable(['a', 'bb'], [['x\ny', '']])).toBe('┌───┬────┐\n│ a │ bb │\n├───┼────┤\n│ x │    │\n│ y │    │\n└───┴────┘');
  });

  it('counts wide characters and emoji as two columns, combining marks as none', () => {
    expect(textTable(['a', 'bb'], [['日本語', '😀'], ['e\u0301', 'null']])).toBe(
      '┌────────┬──────┐\n│ a      │ bb   │\n├────────┼──────┤\n│ 日本語 │ 😀   │\n│ e\u0301      │ null │\n└────────┴──────┘',
    );
  });

  it('keeps body rows together and the column order of the head', () => {
    const text = textTable(['id', 'subject'], [['1', 'Refund'], ['22', 'Login fails']]);
    expect(text.split('\n')).toEqual([
      '┌────┬─────────────┐',
      '│ id │ subject     │',
      '├────┼─────────────┤',
      '│ 1  │ Refund      │',
      '│ 22 │ Login fails │',
      '└────┴─────────────┘',
    ]);
  });

  it('takes a CRLF line break as one break (a carriage return would move the cursor over the table)', () => {
    expect(textTable(['a'], [['x\r\ny']])).toBe('┌───┐\n│ a │\n├───┤\n│ x │\n│ y │\n└───┘');
  });
});
