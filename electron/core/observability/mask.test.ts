import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, testConfig } from '../config';
import { createLogger, createMasker, DEFAULT_MASK, defaultMasker, luhnValid, MaskingConfigSchema, maskOptionsFromConfig } from '.';

const m = defaultMasker;
const PEM = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBxk7cGvXOe3kq+5rjk0R0ITrz3o1yWvZOFQRmYJCXJbwAAAJjDc2Zgw3Nm',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

describe('Luhn', () => {
  it('accepts valid card numbers and refuses a changed digit', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '30569309025904', '4222222222222'])
      expect([n, luhnValid(n)]).toEqual([n, true]);
    for (const n of ['4111111111111112', '5555555555554445', '378282246310006', '1796118026278']) expect([n, luhnValid(n)]).toEqual([n, false]);
  });
});

describe('the default masker', () => {
  it('masks card numbers written with spaces, dashes or neither, and as JSON numbers', () => {
    expect(m.text('card 4111 1111 1111 1111 on file')).toBe('card [masked] on file');
    expect(m.text('card 4111-1111-1111-1111.')).toBe('card [masked].');
    expect(m.text('4111111111111111')).toBe('[masked]');
    expect(m.text('amex 3782 822463 10005, mc 5555555555554444')).toBe('amex [masked], mc [masked]');
    expect(m.text('card:4111111111111111')).toBe('card:[masked]');
    expect(m({ n: 4111111111111111 })).toEqual({ n: '[masked]' });
  });

  it('leaves digit runs that are not cards: Luhn failures, anomaly ids, epoch-ms timestamps, decimal readings', () => {
    const keep = [
      'card 4111 1111 1111 1112', // Luhn fails
      'line-1/compressor-01:thermal_runaway@1796118026278', // the finding's anomaly id (Luhn fails too)
      'line-1/compressor-01:thermal_runaway@1796118026279', // Luhn-valid epoch ms: an id by context
      'line-1/compressor-01@1767227600000',
      'at 1796118026279 ms', // Luhn-valid, but epoch ms start with 1: no card issuer does
      'ts=1796118026279123', // epoch µs
      'dev@4111111111111111', // Luhn-valid, glued to an id
      'reading 0.4111111111111111', // a float's decimals
      'reading 4111111111111111.5',
      'temperature 118.4 °C, pressure 110.25 kPa, vibration 2.8 mm/s, power 25 kW',
      'order 12345678, batch 2026-01-01, phone 555-123-4567, ip 10.0.0.12',
      'uuid 3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f',
    ];
    for (const s of keep) expect(m.text(s)).toBe(s);
    const ids = { anomaly_id: 'line-1/compressor-01@1767227600000', ts: 1796118026279, value: 118.4, when: 1767227600000 };
    expect(m(ids)).toBe(ids); // unchanged: the same object back
  });

  it('masks US SSNs, not things shaped nearly like them', () => {
    expect(m.text('ssn 512-44-3187.')).toBe('ssn [masked].');
    for (const s of ['000-12-3456 x', '666-12-3456 x', '912-12-3456 x', '512-00-3187 x', '1512-44-3187 x', '512-44-31870 x']) expect(m.text(s)).toBe(s);
  });

  it('masks a PEM block across lines, whole, and keeps the text around it', () => {
    expect(m.text(`key:\n${PEM}\nthanks`)).toBe('key:\n[masked]\nthanks');
    // Cut off before its END line (a truncated argument): masked to the end.
    expect(m.text(`key: ${PEM.slice(0, 120)}`)).toBe('key: [masked]');
  });

  it('keeps JSON text valid when it masks inside it (log lines)', () => {
    const line = JSON.stringify({ msg: `note ${PEM} password="hunter2" sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3 end`, cut: PEM.slice(0, 90), n: 1 });
    const masked = m.text(line);
    const parsed = JSON.parse(masked) as Record<string, unknown>;
    expect(parsed).toEqual({ msg: 'note [masked] password="[masked]" [masked] end', cut: '[masked]', n: 1 });
    expect(m.text(JSON.stringify({ password: 'hunter2', token: 'Xb7Qp2Lm9Rt4Vw6Yz8Ka3Nc5' }))).toBe('{"password":"[masked]","token":"[masked]"}');
  });

  it('masks password= pairs (any value) and api_key= / token= pairs only when the value looks random', () => {
    expect(m.text('login with password=hunter2 then')).toBe('login with password=[masked] then');
    expect(m.text('Password: "correct horse battery"')).toBe('Password: "[masked]"');
    expect(m.text(JSON.stringify({ note: 'secret: "two words" ok' }))).toBe('{"note":"secret: \\"[masked]\\" ok"}');
    expect(m.text('pwd=abc123&x=1')).toBe('pwd=[masked]&x=1');
    expect(m.text('api_key=Xb7Qp2Lm9Rt4Vw6Yz8Ka3Nc5')).toBe('api_key=[masked]');
    expect(m.text('ACCESS_TOKEN: 9f8e7d6c5b4a39281706f5e4')).toBe('ACCESS_TOKEN: [masked]');
    for (const s of ['token=expired', 'the token: was revoked yesterday', 'api_key=changeme', 'pass: 3 of 4 checks', 'token=aaaaaaaaaaaaaaaa'])
      expect(m.text(s)).toBe(s);
  });

  it('masks the login of a URL (user:password@), a password holding "@" too, and leaves URLs without one alone', () => {
    expect(m.text('connect to mqtt://plant:Hunter2-x@broker.plant:1883 failed')).toBe('connect to mqtt://[masked]@broker.plant:1883 failed');
    expect(m.text(JSON.stringify({ url: 'mqtts://u:a@b-c@10.0.0.5:8883/x' }))).toBe('{"url":"mqtts://[masked]@10.0.0.5:8883/x"}');
    expect(m.text('see https://user:pw@example.com/a and ws://h:9001/mqtt')).toBe('see https://[masked]@example.com/a and ws://h:9001/mqtt');
    for (const s of ['mqtt://127.0.0.1:1883', 'ssh://git@github.com/x', 'ws://h:9001/a@b', 'mail a@b.c at 10:30']) expect(m.text(s)).toBe(s);
  });

  it('masks API keys, bearer tokens, JWTs and our own agent tokens', () => {
    const agentToken = 'afa_' + 'Q2hlY2tNeVRva2VuSXNSYW5kb21Fbm91Z2gxMjM0NTY'.slice(0, 43);
    const cases: Array<[string, string]> = [
      ['openai sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s.', 'openai [masked].'],
      ['aws AKIAZ7Q4W2E6R8T1Y3U5 key', 'aws [masked] key'],
      ['gh ghp_16C7e42F292c6912E7710c838347Ae178B4a ok', 'gh [masked] ok'],
      ['stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'stripe [masked]'],
      [`Authorization: Bearer ${agentToken}`, 'Authorization: Bearer [masked]'],
      ['Authorization: bearer 9f8e7d6c5b4a3928', 'Authorization: bearer [masked]'],
      [`use ${agentToken} here`, 'use [masked] here'],
      ['jwt eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkaWFnIn0.c2lnbmF0dXJl', 'jwt [masked]'],
    ];
    for (const [input, out] of cases) expect(m.text(input)).toBe(out);
    // Words, not secrets.
    for (const s of ['bearer tokens are hashed', 'ask-for-approval risk-assessment-required', 'desk-lamp sk-short']) expect(m.text(s)).toBe(s);
  });

  it('masks members named like secrets whole, and returns the same value when nothing changed', () => {
    const args = { device_id: 'line-1/pump-03', nested: [{ password: 'x', api_key: 12345, note: 'fine' }], authorization: 'Basic abc', token: null };
    expect(m(args)).toEqual({
      device_id: 'line-1/pump-03',
      nested: [{ password: '[masked]', api_key: '[masked]', note: 'fine' }],
      authorization: '[masked]',
      token: null,
    });
    const clean = { device_id: 'line-1/pump-03', parameters: { reduction_pct: 10 }, justification: 'SOP 2.1: temperature 118.4 °C' };
    expect(m(clean)).toBe(clean);
  });
});

describe('masking config', () => {
  it('defaults on; a default pattern can be switched off by name and patterns added', () => {
    const cfg = testConfig('/tmp/x', { masking: { disable: ['card'], patterns: [{ name: 'badge', regex: '\\bBADGE-\\d{6}\\b' }] } });
    const mask = createMasker(maskOptionsFromConfig(cfg.masking));
    expect(mask.text('card 4111 1111 1111 1111, badge BADGE-123456, ssn 512-44-3187')).toBe('card 4111 1111 1111 1111, badge [masked], ssn [masked]');
    expect(createMasker(maskOptionsFromConfig(testConfig('/tmp/x').masking)).text('4111 1111 1111 1111')).toBe('[masked]');
    expect(createMasker(maskOptionsFromConfig(testConfig('/tmp/x', { masking: { defaults: false } }).masking)).text('4111 1111 1111 1111')).toBe(
      '4111 1111 1111 1111',
    );
  });

  it('keeps the older governance.audit settings working: their patterns are added, their key pattern wins', () => {
    const cfg = testConfig('/tmp/x', { governance: { audit: { maskPatterns: ['\\bEMP\\d{5}\\b'], maskKeys: '^employee$' } } });
    const mask = createMasker(maskOptionsFromConfig(cfg.masking, cfg.governance.audit));
    expect(mask({ employee: 'x', password: 'y', note: 'EMP12345 and 4111 1111 1111 1111' })).toEqual({
      employee: '[masked]',
      password: 'y',
      note: '[masked] and [masked]',
    });
  });

  it('refuses unknown keys, unknown default names, bad regexes and bad flags', () => {
    expect(() => testConfig('/tmp/x', { masking: { enable: false } } as never)).toThrow(ConfigError);
    expect(() => testConfig('/tmp/x', { masking: { disable: ['cards'] } })).toThrow(/masking\.disable/);
    expect(() => testConfig('/tmp/x', { masking: { patterns: [{ name: 'x', regex: '(' }] } })).toThrow(/not a valid JavaScript regular expression/);
    expect(() => testConfig('/tmp/x', { masking: { patterns: [{ name: 'x', regex: 'a', flags: 'gy' }] } })).toThrow(/flags/);
    expect(() => testConfig('/tmp/x', { masking: { patterns: [{ name: 'x', regex: 'a', extra: 1 }] } } as never)).toThrow(ConfigError);
    expect(MaskingConfigSchema.parse({})).toMatchObject({ defaults: true, disable: [], patterns: [] });
  });

  it('a custom pattern with a "secret" group masks only that group; a check applies to it', () => {
    const mask = createMasker({
      patterns: [
        { name: 'pin', regex: 'door code (?<secret>\\d{4,})' },
        { name: 'cc', regex: '\\b\\d{16}\\b', check: 'card' },
      ],
      keyPattern: DEFAULT_MASK.keyPattern,
    });
    expect(mask.text('door code 48213, card 4111111111111111, not 4111111111111112')).toBe('door code [masked], card [masked], not 4111111111111112');
    // Patterns the one-scan prefilter cannot combine (a backreference, the s flag) still run.
    const odd = createMasker({
      patterns: [
        { name: 'x', regex: 'secret (\\w+)-\\1' },
        { name: 'y', regex: 'BEGIN.+END', flags: 's' },
      ],
      keyPattern: '^$',
    });
    expect(odd.text('a secret abc-abc, BEGIN\nxyz\nEND, done')).toBe('a [masked], [masked], done');
  });
});

describe('logs', () => {
  it('every line is masked before it is written: message, fields, error message and stack', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ level: 'info', stream });
    const err = new Error('tool failed for password=hunter2-Orchid-77');
    log.warn(
      { err, args: { note: 'card 4111 1111 1111 1111', authorization: 'Bearer abc' }, tool: 'sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s' },
      'call with AKIAZ7Q4W2E6R8T1Y3U5',
    );
    const text = lines.join('');
    for (const secret of ['hunter2-Orchid-77', '4111 1111 1111 1111', 'Bearer abc', 'sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s', 'AKIAZ7Q4W2E6R8T1Y3U5'])
      expect(text).not.toContain(secret);
    const row = JSON.parse(lines[0]) as { msg: string; err: { message: string; stack: string }; args: Record<string, string> };
    expect(row.msg).toBe('call with [masked]');
    expect(row.err.message).toBe('tool failed for password=[masked]');
    expect(row.args).toEqual({ note: 'card [masked]', authorization: '[masked]' });
  });
});
