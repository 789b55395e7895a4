/**
 * The local engine's snapshot (lib/snapshot/local-snapshot in the event cache): after every batch
 * of new lake files, `ticket_latest_state` and `ticket_history` read from the cache's snapshot and
 * deduplicated history equal the full recomputation over the lake files; the cache loads only the
 * new files; a deleted or rewritten file (whose events may be in a latest state) rebuilds both.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { QueryEngine, RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW } from '../lib/views';
import { BATCHES, deliveries, historyArbitrary, writeBatch } from './fixtures/random-ticket-history';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

async function rows(engine: QueryEngine, sql: string): Promise<RowValue[][]> {
  const result = await engine.execute(sql, []);
  const out: RowValue[][] = [];
  for await (const page of result.pages) out.push(...page);
  return out;
}

const LATEST = `SELECT * FROM ${TICKET_LATEST_STATE_VIEW} ORDER BY ticket_id`;
const HISTORY = `SELECT * FROM ${TICKET_HISTORY_VIEW} ORDER BY dt, event_id`;

/** The answers with the snapshot (cache on) and from scratch (files read directly). */
async function bothWays(lakeDir: string): Promise<{ snapshot: RowValue[][][]; scratch: RowValue[][][]; filesLoaded: number }> {
  const cached = await LocalEngine.open({ lakeDir, cache: true, snapshot: true, threads: 1 });
  const direct = await LocalEngine.open({ lakeDir, cache: false, threads: 1 });
  try {
    const state = cached.cache;
    if (state.mode !== 'cached') throw new Error(`cache not used: ${JSON.stringify(state)}`);
    return {
      snapshot: [await rows(cached, LATEST), await rows(cached, HISTORY)],
      scratch: [await rows(direct, LATEST), await rows(direct, HISTORY)],
      filesLoaded: state.filesLoaded,
    };
  } finally {
    await cached.close();
    await direct.close();
  }
}

describe('the latest-state snapshot in the local event cache', () => {
  it('equals the full recomputation after every batch of new files, loading only the new files', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary, async ([events, redeliveries]) => {
        const lake = mkdtempSync(join(tmpdir(), 'freshlake-local-snapshot-'));
        roots.push(lake);
        try {
          const all = deliveries(events, redeliveries);
          // A lake whose first batches bring nothing is still a lake (an empty one).
          mkdirSync(join(lake, 'events'), { recursive: true });
          writeBatch(lake, all, 0);
          for (let batch = 1; batch < BATCHES; batch++) {
            const written = writeBatch(lake, all, batch);
            const { snapshot, scratch, filesLoaded } = await bothWays(lake);
            expect(snapshot).toEqual(scratch);
            if (batch > 1) expect(filesLoaded).toBe(written.length);
          }
        } finally {
          rmSync(lake, { recursive: true, force: true });
        }
      }),
      { numRuns: 8, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  });

  it('rebuilds the snapshot when a file whose events it holds is deleted or rewritten', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'freshlake-local-snapshot-'));
    roots.push(lake);
    const base = { ticket: 1, kind: 'onTicketUpdate' as const, priority: 2, responder: null, spam: false, deleted: false };
    const all = deliveries(
      [
        { ...base, updatedMinute: 100, timeMinute: 100, status: 2, batch: 0 },
        { ...base, updatedMinute: 900, timeMinute: 900, status: 4, batch: 1 },
      ],
      [],
    );
    writeBatch(lake, all, 0);
    const [newest] = writeBatch(lake, all, 1);
    const statusOf = async () => {
      const engine = await LocalEngine.open({ lakeDir: lake, cache: true, threads: 1 });
      try {
        return await rows(engine, `SELECT status FROM ${TICKET_LATEST_STATE_VIEW}`);
      } finally {
        await engine.close();
      }
    };
    expect(await statusOf()).toEqual([[4]]);
    // The file that held the newest state goes away: the older state is the latest again.
    unlinkSync(newest);
    let answers = await bothWays(lake);
    expect(answers.snapshot).toEqual(answers.scratch);
    expect(await statusOf()).toEqual([[2]]);
    // Written again with other content (same name, new mtime): reloaded and re-merged.
    const rewritten = deliveries([{ ...base, updatedMinute: 950, timeMinute: 900, status: 5, batch: 1 }], []);
    writeBatch(lake, rewritten, 1);
    utimesSync(newest, new Date(), new Date(Date.now() + 5000));
    answers = await bothWays(lake);
    expect(answers.snapshot).toEqual(answers.scratch);
    expect(await statusOf()).toEqual([[5]]);
  });

  it('FRESHLAKE_SNAPSHOT=0 or snapshot: false recompute from the cached events, with the same answers', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'freshlake-local-snapshot-'));
    roots.push(lake);
    const base = { ticket: 3, kind: 'onTicketUpdate' as const, priority: 4, responder: 1, spam: false, deleted: false };
    writeBatch(lake, deliveries([{ ...base, updatedMinute: 5, timeMinute: 5, status: 3, batch: 0 }], []), 0);
    // Each engine closed before the next opens: one engine per process holds a lake's cache, and a
    // second one would read the files directly, which is not what is compared here.
    const answer = async (props: { snapshot?: boolean }) => {
      const engine = await LocalEngine.open({ lakeDir: lake, cache: true, threads: 1, ...props });
      try {
        expect(engine.cache.mode).toBe('cached');
        const readsSnapshot = await rows(engine, `SELECT count(*) FROM duckdb_views() WHERE view_name = '${TICKET_LATEST_STATE_VIEW}' AND sql LIKE '%ticket_latest_state_snapshot%'`);
        return { readsSnapshot: Number(readsSnapshot[0][0]), latest: await rows(engine, LATEST) };
      } finally {
        await engine.close();
      }
    };
    const withSnapshot = await answer({});
    expect(withSnapshot.readsSnapshot).toBe(1);
    const without = await answer({ snapshot: false });
    expect(without).toEqual({ readsSnapshot: 0, latest: withSnapshot.latest });
    const previous = process.env.FRESHLAKE_SNAPSHOT;
    process.env.FRESHLAKE_SNAPSHOT = '0';
    try {
      expect(await answer({})).toEqual({ readsSnapshot: 0, latest: withSnapshot.latest });
    } finally {
      if (previous === undefined) delete process.env.FRESHLAKE_SNAPSHOT;
      else process.env.FRESHLAKE_SNAPSHOT = previous;
    }
  });
});
