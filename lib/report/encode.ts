/**
 * A compact, lossless form of a query result for the HTML file: one array per column, and text
 * columns as a dictionary plus indexes (a year of daily rows repeats the same days, priorities and
 * names thousands of times). The page's script decodes it back into row objects (decodeTable in
 * page-script). Plain JSON, so the data is readable with any tool.
 */
import type { RowValue } from '../engines/engine';
import type { QueryTable } from './run-queries';

export type EncodedColumn =
  | { readonly name: string; readonly values: readonly RowValue[] }
  | { readonly name: string; readonly dictionary: readonly string[]; readonly codes: readonly number[] };

export interface EncodedTable {
  readonly rowCount: number;
  readonly columns: readonly EncodedColumn[];
}

export function encodeTable(table: QueryTable): EncodedTable {
  const columns = table.columns.map((name, i): EncodedColumn => {
    const values = table.rows.map((row) => row[i]);
    // NULL has its own code (-1), so a text column with NULLs still uses the dictionary.
    if (values.every((v) => v === null || typeof v === 'string') && values.some((v) => v !== null)) {
      const dictionary: string[] = [];
      const index = new Map<string, number>();
      const codes = values.map((v) => {
        if (v === null) return -1;
        let code = index.get(v as string);
        if (code === undefined) {
          code = dictionary.length;
          dictionary.push(v as string);
          index.set(v as string, code);
        }
        return code;
      });
      return { name, dictionary, codes };
    }
    return { name, values };
  });
  return { rowCount: table.rows.length, columns };
}

/** The inverse of encodeTable (the page script has the same function in JavaScript). */
export function decodeTable(encoded: EncodedTable): Record<string, RowValue>[] {
  const rows: Record<string, RowValue>[] = Array.from({ length: encoded.rowCount }, () => ({}));
  for (const column of encoded.columns) {
    rows.forEach((row, i) => {
      row[column.name] = 'values' in column ? column.values[i] : column.codes[i] === -1 ? null : column.dictionary[column.codes[i]];
    });
  }
  return rows;
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no U+2028/2029 surprises. */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
