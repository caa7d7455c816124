import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit, type AuditOptions, type AuditResult } from '../../src/audit/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { TimeZone } from '../../src/util/time.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-audit-'));
let n = 0;
function csv(lines: string[], extension = 'csv'): string {
  const path = join(dir, `log-${n++}.${extension}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function audit(paths: string[], overrides: Partial<AuditOptions> = {}, cardName = 'assemblyai'): Promise<AuditResult> {
  const card = loadCard(cardName);
  return runAudit(paths, {
    card, zone: card.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({}, card.timezone), groupBy: [], map: new Map(),
    skipInvalid: false, allowUnpriced: false, tier: 'paid', idleRatio: 2, limits: {}, keepPerCode: 1000, ...overrides,
  });
}

const codes = (r: AuditResult) => Object.fromEntries(r.codes.map((c) => [c.code, c.amount === null ? c.count : `${c.count} × ${c.amount.toFixed(2)}`]));
const iso = (ms: number) => new Date(Date.UTC(2026, 4, 6, 10) + ms).toISOString();

describe('streaming forensics (fixtures/audit/streams.csv, 0.15 USD/h)', () => {
  it('finds each leak with its money, computed by hand', async () => {
    const r = await audit(['fixtures/audit/streams.csv']);
    expect(codes(r)).toEqual({
      UNCLOSED_SESSION: '1 × 0.45', // (10800 − 120) s × 0.15 / 3600 = 0.445 → 0.45
      SESSION_AT_CAP: '1 × 0.33', // (10800 − 3000) s × 0.15 / 3600 = 0.325 → 0.33
      OVERLAPPING_SESSIONS: '1 × 0.03', // 600 s of overlap × 0.15 / 3600 = 0.025 → 0.03
      IDLE_SESSION: '1 × 0.04', // (1200 − 300) s × 0.15 / 3600 = 0.0375 → 0.04
      KEY_PER_CUSTOMER: 1,
    });
    const overlap = r.findings.find((f) => f.code === 'OVERLAPPING_SESSIONS')!;
    expect([overlap.id, overlap.ref!.line, overlap.related!.line]).toEqual(['twice', 7, 6]);
  });

  it('OVERLAPPING_SESSIONS of groups interleaved in time, in or out of time order: each against the session of its own key and customer that ends last', async () => {
    const session = (id: string, key: string, minute: number, seconds: number) => `stream,${id},${iso(minute * 60_000)},${key},acme,universal-streaming,${seconds},${seconds},true`;
    const rows = [
      session('a1', 'key-a', 0, 1800), // a: 0–30 min
      session('b1', 'key-b', 5, 300), // b: 5–10
      session('a2', 'key-a', 10, 60), // inside a1: 1 min overlap
      session('b2', 'key-b', 10, 600), // b1 ended at 10: no overlap
      session('a3', 'key-a', 20, 1200), // a1 still open (ends 30): 10 min
      session('b3', 'key-b', 12, 60), // b2 open: 1 min
      session('a4', 'key-a', 20, 60), // opens with a3, shorter: against a3 (a3 comes first, longest), 1 min
    ];
    const found = async (lines: string[]) => (await audit([csv(['kind,id,timestamp,api_key,customer_id,model,audio_duration,session_duration,terminated', ...lines])]))
      .findings.filter((f) => f.code === 'OVERLAPPING_SESSIONS').map((f) => f.message.replace(/ of the same API key and customer was still open/, '').replace(/: a stream opened twice\?/, '')).sort();
    const expected = [
      'session a2 opened while session a1 (1 min overlap)',
      'session a3 opened while session a1 (10 min overlap)',
      'session a4 opened while session a3 (1 min overlap)',
      'session b3 opened while session b2 (1 min overlap)',
    ];
    expect(await found(rows)).toEqual(expected);
    expect(await found([...rows].reverse())).toEqual(expected);
  });

  it('says what the streaming bill would have been, every session closed when its audio ended', async () => {
    const r = await audit(['fixtures/audit/streams.csv']);
    // billed: 10800 + 10800 + 1200 + 600 + 1200 + 1200 = 25800 s → 1.075 → 1.08
    // audio:    120 +  3000 +  300 + 540 + 1200 + 1200 =  6360 s → 0.265 → 0.27
    expect([r.streaming.billed, r.streaming.ifClosedAtAudioEnd, r.streaming.avoidable].map((d) => d.toFixed(2))).toEqual(['1.08', '0.27', '0.81']);
  });

  it('--idle-ratio moves the idle threshold: 4× the audio is idle at 4, not at 4.5', async () => {
    expect(codes(await audit(['fixtures/audit/streams.csv'], { idleRatio: 4 })).IDLE_SESSION).toBe('1 × 0.04');
    expect(codes(await audit(['fixtures/audit/streams.csv'], { idleRatio: 4.5 })).IDLE_SESSION).toBeUndefined();
  });
});

describe('limits: exactly at a limit is no finding, one over is', () => {
  const requests = (count: number, spreadMs: number) =>
    csv(['kind,id,timestamp,model,input_tokens', ...Array.from({ length: count }, (_, i) => `llm,r${i},${iso(Math.floor((i * spreadMs) / count))},gpt-5,1`)]);

  it('RATE_LIMIT: 20,000 requests in 5 minutes pass, 20,001 do not', async () => {
    expect(codes(await audit([requests(20_000, 299_000)])).RATE_LIMIT).toBeUndefined();
    const r = await audit([requests(20_001, 299_000)]);
    expect(codes(r).RATE_LIMIT).toBe(1);
    expect(r.findings.find((f) => f.code === 'RATE_LIMIT')!.message).toMatch(/^20001 requests in the 5 minutes .* \(limit 20000\): 1 request\(s\) past the limit/);
  });

  it('RATE_LIMIT: the same 20,001 requests spread over more than 5 minutes pass', async () => {
    expect(codes(await audit([requests(20_001, 301_000)])).RATE_LIMIT).toBeUndefined();
  });

  const streams = (count: number) =>
    csv(['kind,id,timestamp,model,session_duration,terminated', ...Array.from({ length: count }, (_, i) => `stream,s${i},${iso(i * 500)},universal-streaming,30,true`)]);

  it('STREAM_RATE: 100 new sessions in a minute pass on the paid tier, 101 do not; the free tier allows 5', async () => {
    expect(codes(await audit([streams(100)])).STREAM_RATE).toBeUndefined();
    expect(codes(await audit([streams(101)])).STREAM_RATE).toBe(1);
    expect(codes(await audit([streams(5)], { tier: 'free' })).STREAM_RATE).toBeUndefined();
    const free = await audit([streams(6)], { tier: 'free' });
    expect(free.findings.find((f) => f.code === 'STREAM_RATE')!.message).toContain('6 new streaming sessions in the minute');
  });

  const inFlight = (count: number) =>
    csv(['kind,id,timestamp,completed_at,model,audio_duration', ...Array.from({ length: count }, (_, i) => `transcript,t${i},${iso(i)},${iso(60_000)},universal-2,60`)]);

  it('CONCURRENCY: 200 transcripts in flight pass on the paid tier, 201 are queued; 5 and 6 on the free tier', async () => {
    expect(codes(await audit([inFlight(200)])).CONCURRENCY).toBeUndefined();
    expect(codes(await audit([inFlight(201)])).CONCURRENCY).toBe(1);
    expect(codes(await audit([inFlight(5)], { tier: 'free' })).CONCURRENCY).toBeUndefined();
    expect(codes(await audit([inFlight(6)], { tier: 'free' })).CONCURRENCY).toBe(1);
  });

  it('a transcript that ends when another starts is no longer in flight', async () => {
    const path = csv(['kind,id,timestamp,completed_at,model,audio_duration', `transcript,a,${iso(0)},${iso(1000)},universal-2,1`, `transcript,b,${iso(1000)},${iso(2000)},universal-2,1`]);
    expect(codes(await audit([path], { limits: { concurrency: 1 } })).CONCURRENCY).toBeUndefined();
  });

  it('flags override the card: --rate-limit 2 with 3 requests in 5 minutes', async () => {
    expect(codes(await audit([requests(3, 1000)], { limits: { requestsPer5Minutes: 2 } })).RATE_LIMIT).toBe(1);
  });

  it('a card without limits (tencent-asr) checks none unless flags give them', async () => {
    const path = csv(['kind,id,timestamp,model,audio_duration,terminated', ...Array.from({ length: 200 }, (_, i) => `stream,s${i},${iso(i)},realtime,60,true`)]);
    const r = await audit([path], {}, 'tencent-asr');
    expect(r.limits).toEqual({ requestsPer5Minutes: undefined, concurrency: undefined, newStreamsPerMinute: undefined });
    expect(codes(r).STREAM_RATE).toBeUndefined();
  });
});

describe('account and data findings', () => {
  it('FREE_TIER_LLM: each LLM call on the free tier, with its cost: 0.36 + 0.12 = 0.48', async () => {
    const r = await audit(['fixtures/quickstart.csv'], { tier: 'free' });
    expect(codes(r).FREE_TIER_LLM).toBe('1 × 0.48');
    expect(r.findings[0]!.severity).toBe('error');
  });

  it('DUPLICATE_ID cites both lines and the money it would have cost twice: 1 h × 0.15', async () => {
    const path = csv(['kind,id,timestamp,model,audio_duration', 'transcript,a,2026-05-01T00:00:00Z,universal-2,3600', 'transcript,b,2026-05-01T00:00:00Z,universal-2,60', 'transcript,a,2026-05-01T00:00:00Z,universal-2,3600']);
    const r = await audit([path]);
    const dup = r.findings.find((f) => f.code === 'DUPLICATE_ID')!;
    expect([dup.ref!.line, dup.related!.line, dup.amount!.toFixed(2)]).toEqual([4, 2, '0.15']);
    expect(r.invoice.total.toFixed(2)).toBe('0.15'); // billed once: 3600 + 60 s = 3660 s × 0.15 / 3600 = 0.1525 → 0.15
  });

  it('UNPRICED with --allow-unpriced', async () => {
    const path = csv(['kind,id,timestamp,model,audio_duration', 'transcript,a,2026-05-01T00:00:00Z,whisper-9,60']);
    const r = await audit([path], { allowUnpriced: true });
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['UNPRICED', 'error']]);
  });

  it('KEY_PER_CUSTOMER only when keys map one-to-one (a shared key breaks it)', async () => {
    const shared = csv(['kind,id,timestamp,api_key,customer_id,model,input_tokens', 'llm,a,2026-05-01T00:00:00Z,k1,c1,gpt-5,1', 'llm,b,2026-05-01T00:00:00Z,k1,c2,gpt-5,1', 'llm,c,2026-05-01T00:00:00Z,k2,c3,gpt-5,1']);
    // k2 → c3 alone is one pair: fewer than two, no finding
    expect(codes(await audit([shared])).KEY_PER_CUSTOMER).toBeUndefined();
  });

  it('TIER_CLIFF: 280 h in a Tencent day costs 280 × 1.4 = 392.00; 300 h would cost 360.00: 32.00 at stake', async () => {
    const day = (hours: number) => csv(['kind,id,timestamp,model,audio_duration,terminated', ...Array.from({ length: hours / 10 }, (_, i) => `stream,s${i},2026-05-04T02:00:00Z,realtime,36000,true`)]);
    const r = await audit([day(280)], {}, 'tencent-asr');
    expect(codes(r).TIER_CLIFF).toBe('1 × 32.00');
    expect(r.findings[0]!.message).toContain('2026-05-04: 280 hours of realtime cost 392.00 USD at 1.4; 300 hours would cost 360.00 at 1.2');
    // 250 h × 1.4 = 350.00 < 360.00: more usage would cost more, no cliff
    expect(codes(await audit([day(250)], {}, 'tencent-asr')).TIER_CLIFF).toBeUndefined();
  });

  it('TIER_CLIFF counts the usage left to pay after free quotas and packs, as the invoice does', async () => {
    // Tencent recording file, daily volume tiers < 300 h at 1.0, 300 h+ at 0.95; the card's 10 h quota and 100 h pack cover 110 h.
    const file = (hours: number) => csv(['kind,id,timestamp,model,audio_duration', `transcript,t1,2026-05-04T02:00:00Z,file,${hours * 3600}`]);
    // 295 h: 185 h to pay × 1.0 = 185.00 (the invoice); 300 h × 0.95 = 285.00 is no saving: no cliff (before: "295 hours cost 295.00").
    expect(codes(await audit([file(295)], {}, 'fixtures/cards/tencent-quota.yaml')).TIER_CLIFF).toBeUndefined();
    // 405 h: 295 h to pay × 1.0 = 295.00; 300 h × 0.95 = 285.00: 10.00 at stake.
    const r = await audit([file(405)], {}, 'fixtures/cards/tencent-quota.yaml');
    expect(codes(r).TIER_CLIFF).toBe('1 × 10.00');
    expect(r.findings.find((f) => f.code === 'TIER_CLIFF')!.message).toContain('2026-05-04: 295 hours of file (after 110 hours covered by free quotas and packs) cost 295.00 USD at 1; 300 hours would cost 285.00 at 0.95');
  });

  it('TIER_CLIFF counts the flat fee of the tier at the boundary: 9 h at 1.0 = 9.00 against 10 h × 0.8 + 5 = 13.00, no cliff', async () => {
    const card = join(mkdtempSync(join(tmpdir(), 'tallyman-cliff-')), 'fee.yaml');
    writeFileSync(card, 'name: fee\nproducts:\n  - id: s\n    kind: transcript\n    models:\n      m: { tiers: { mode: volume, period: day, table: [ { up_to: 10, price: "1.0" }, { up_to: null, price: "0.8", flat: "5" } ] } }\n');
    const log = csv(['kind,id,timestamp,model,audio_duration', 'transcript,a,2026-05-04T02:00:00Z,m,32400']);
    expect(codes(await audit([log], {}, card)).TIER_CLIFF).toBeUndefined();
    // Without the fee the same 9 h would be a cliff: 10 h × 0.8 = 8.00 < 9.00, 1.00 at stake.
    writeFileSync(card, 'name: fee\nproducts:\n  - id: s\n    kind: transcript\n    models:\n      m: { tiers: { mode: volume, period: day, table: [ { up_to: 10, price: "1.0" }, { up_to: null, price: "0.8" } ] } }\n');
    expect(codes(await audit([log], {}, card)).TIER_CLIFF).toBe('1 × 1.00');
  });
});

describe('order and limits of the report', () => {
  it('lists findings worst first: severity, then money', async () => {
    const r = await audit(['fixtures/audit/streams.csv']);
    expect(r.findings.map((f) => f.code)).toEqual(['UNCLOSED_SESSION', 'SESSION_AT_CAP', 'OVERLAPPING_SESSIONS', 'IDLE_SESSION', 'KEY_PER_CUSTOMER']);
  });

  it('--max-findings keeps the first N per code but counts and prices them all', async () => {
    const path = csv(['kind,id,timestamp,model,audio_duration', ...Array.from({ length: 5 }, (_, i) => `stream,u${i},2026-05-01T00:00:00Z,universal-streaming,0`)]);
    const r = await audit([path], { keepPerCode: 2 });
    expect(r.findings.filter((f) => f.code === 'UNCLOSED_SESSION')).toHaveLength(2);
    // 5 × 10800 s × 0.15 / 3600 = 2.25
    expect(codes(r).UNCLOSED_SESSION).toBe('5 × 2.25');
    expect(r.omitted).toBe(3);
  });
});

describe('LLM_RATE_LIMIT', () => {
  it('flags more than the card\'s 30 gateway requests a minute to one model (paid), per model, and never at exactly the limit', async () => {
    const rows = ['kind,id,timestamp,model,input_tokens,output_tokens'];
    // 31 calls to gpt-5 within 31 s of 2026-09-10 (one past the limit), 30 to claude-sonnet-4.5 in the same minute (at it).
    for (let i = 0; i < 31; i++) rows.push(`llm,g${i},2026-09-10T10:00:${String(i).padStart(2, '0')}Z,gpt-5,10,10`);
    for (let i = 0; i < 30; i++) rows.push(`llm,c${i},2026-09-10T10:00:${String(i).padStart(2, '0')}Z,claude-sonnet-4.5,10,10`);
    const path = csv(rows);
    const paid = await audit([path]);
    expect(paid.limits.llmRequestsPerMinute).toBe(30);
    const found = paid.findings.filter((f) => f.code === 'LLM_RATE_LIMIT');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toBe('31 LLM gateway requests to gpt-5 in the minute up to 2026-09-10T10:00:30Z (limit 30 per model): 1 request(s) past the limit get HTTP 429');
    expect(found[0]!.ref?.line).toBe(32);
    // --llm-rate-limit 29 also catches the other model; the free tier has no gateway to limit.
    expect((await audit([path], { limits: { llmRequestsPerMinute: 29 } })).findings.filter((f) => f.code === 'LLM_RATE_LIMIT')).toHaveLength(2);
    expect((await audit([path], { tier: 'free' })).findings.filter((f) => f.code === 'LLM_RATE_LIMIT')).toHaveLength(0);
  });
});

describe('voice-agent sessions', () => {
  it('VOICE_AGENT_GRACE: a socket dropped without session.end is billed the 30 s resume grace, flagged with its cost', async () => {
    const wrap = (at: string, event: object) => JSON.stringify({ session_id: 'va-9', received_at: at, event });
    // session.ready at 10:00:00, the last message at 10:01:00, no session.ended: 60 s + 30 s of grace = 90 s.
    const path = csv([
      wrap('2026-05-07T10:00:00Z', { type: 'session.ready', session_id: 'va-9' }),
      wrap('2026-05-07T10:00:30Z', { type: 'transcript.user', text: 'hello' }),
      wrap('2026-05-07T10:01:00Z', { type: 'reply.done' }),
    ], 'ndjson');
    const result = await audit([path], {}, 'assemblyai');
    // 90 s × 4.50 / 3600 = 0.1125 → 0.11 billed; the grace 30 s × 4.50 / 3600 = 0.0375 → 0.04 at stake.
    expect(result.invoice.total.toFixed(2)).toBe('0.11');
    const grace = result.findings.filter((f) => f.code === 'VOICE_AGENT_GRACE');
    expect(grace).toHaveLength(1);
    expect(grace[0]!.amount?.toFixed(2)).toBe('0.04');
    expect(grace[0]!.message).toContain('kept the session 30 s for session.resume and billed it');
  });

  it('UNCLOSED_SESSION: one never closed is billed the token\'s 3 h maximum at 4.50/h', async () => {
    // The server's messages, bare and with no time received: session.ready, then nothing that closes it.
    const result = await audit([csv(['{"type":"session.ready","session_id":"va-open"}', '{"type":"reply.done"}'], 'ndjson')]);
    expect(codes(result)).toEqual({ UNCLOSED_SESSION: '1 × 13.50' }); // 10,800 s × 4.50 / 3600, none of it audio
  });
});
