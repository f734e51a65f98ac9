// The live ETW session's configuration, as pure code (kinds/etw-session.ts): the enable flags per class,
// the buffer sizing, the session choice and the rundown fallback order that the Windows addon carries out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKwireError } from 'kwire';
import { ETW_LIVE_CLASSES, etwDefaultBuffers, etwEnableFlags, etwLiveOptions, etwRundownOrder, etwSessionConfig } from 'kwire/gen';

const win10 = { processors: 8, build: 19041 };
const win7 = { processors: 8, build: 7601 };
const config = (options: Parameters<typeof etwLiveOptions>[0], host = win10) => etwSessionConfig(etwLiveOptions(options, 'etw.live()'), host);

describe('enable flags per class', () => {
  it.each([
    ['process', 0x1],
    ['thread', 0x2],
    ['image', 0x4],
    ['file', 0x0200_0000 | 0x0400_0000 | 0x200],
    ['tcp', 0x1_0000],
    ['udp', 0x1_0000],
    ['registry', 0x2_0000],
  ] as const)('%s sets EVENT_TRACE_FLAG_* 0x%s', (cls, flags) => {
    expect(etwEnableFlags([cls])).toBe(flags);
  });

  it('the default classes are all but registry', () => {
    expect(config({}).enableFlags).toBe(etwEnableFlags(ETW_LIVE_CLASSES.filter((c) => c !== 'registry')));
    expect(config({}).enableFlags).toBe(0x0600_0000 | 0x1_0000 | 0x200 | 0x7);
  });

  it('TCP and UDP share a flag; the callback keeps only the class asked for', () => {
    expect(config({ classes: ['tcp'] }).keepClasses).toEqual([0x06]);
    expect(config({ classes: ['udp'] }).keepClasses).toEqual([0x08]);
    expect(config({ classes: ['udp', 'tcp'] }).keepClasses).toEqual([0x06, 0x08]);
    expect(config({ classes: ['image', 'process'] }).keepClasses).toEqual([0x03, 0x14]);
  });

  it('is the union of the classes, and keepClasses their event classes, for any set of classes', () => {
    fc.assert(fc.property(fc.subarray([...ETW_LIVE_CLASSES], { minLength: 1 }), (classes) => {
      const c = config({ classes });
      expect(c.enableFlags).toBe(classes.reduce((f, k) => (f | etwEnableFlags([k])) >>> 0, 0));
      expect(c.keepClasses).toEqual([...new Set(c.keepClasses)].sort((a, b) => a - b));
      expect(c.keepClasses.length).toBe(classes.length);
      expect(c.enableFlags & ~etwEnableFlags(ETW_LIVE_CLASSES)).toBe(0);
    }));
  });
});

describe('buffer sizing', () => {
  it('defaults: 1 MiB buffers, 2 per processor at start, 128 more under load, a one-second flush', () => {
    expect(etwDefaultBuffers(8)).toEqual({ sizeKb: 1024, minimum: 16, maximum: 144, flushSeconds: 1 });
    expect(etwDefaultBuffers(1)).toEqual({ sizeKb: 1024, minimum: 2, maximum: 130, flushSeconds: 1 });
    const c = config({});
    expect([c.bufferSizeKb, c.minimumBuffers, c.maximumBuffers, c.flushTimerSeconds]).toEqual([1024, 16, 144, 1]);
  });

  it('holds at least 128 MiB in flight and 2 buffers per processor, within what ETW accepts, on any machine', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2048 }), (processors) => {
      const b = etwDefaultBuffers(processors);
      expect(b.sizeKb).toBeLessThanOrEqual(1024);
      expect(b.minimum).toBeGreaterThanOrEqual(2 * processors);
      expect(b.maximum).toBeGreaterThanOrEqual(b.minimum);
      expect(b.maximum * b.sizeKb).toBeGreaterThanOrEqual(128 * 1024);
    }));
  });

  it('takes the caller\'s values, keeping minimum <= maximum when only one is given', () => {
    fc.assert(fc.property(
      fc.record({ sizeKb: fc.integer({ min: 4, max: 1024 }), minimum: fc.integer({ min: 2, max: 16384 }), maximum: fc.integer({ min: 2, max: 16384 }), flushSeconds: fc.integer({ min: 1, max: 3600 }) }, { requiredKeys: [] }),
      fc.integer({ min: 1, max: 512 }),
      (buffers, processors) => {
        fc.pre(buffers.minimum === undefined || buffers.maximum === undefined || buffers.minimum <= buffers.maximum);
        const c = config({ buffers }, { processors, build: 19041 });
        if (buffers.sizeKb !== undefined) expect(c.bufferSizeKb).toBe(buffers.sizeKb);
        if (buffers.minimum !== undefined) expect(c.minimumBuffers).toBe(buffers.minimum);
        if (buffers.maximum !== undefined) expect(c.maximumBuffers).toBe(buffers.maximum);
        if (buffers.flushSeconds !== undefined) expect(c.flushTimerSeconds).toBe(buffers.flushSeconds);
        expect(c.minimumBuffers).toBeLessThanOrEqual(c.maximumBuffers);
      },
    ));
  });
});

describe('session and rundown', () => {
  it('a private SystemTraceProvider session from Windows 8, else the NT Kernel Logger', () => {
    expect(config({})).toMatchObject({ loggerName: 'kwire kernel session', privateLogger: true });
    expect(config({}, win7)).toMatchObject({ loggerName: 'NT Kernel Logger', privateLogger: false });
    expect(config({ session: 'kernel-logger' })).toMatchObject({ loggerName: 'NT Kernel Logger', privateLogger: false });
    expect(config({ session: 'private', sessionName: 'mine' })).toMatchObject({ loggerName: 'mine', privateLogger: true, rundownLoggerName: 'mine rundown' });
  });

  it('rundown: TraceSetInformation first, then a rundown session; only the session before Windows 8', () => {
    expect(etwRundownOrder(19041, true)).toEqual(['set-information', 'rundown-session']);
    expect(etwRundownOrder(9200, true)).toEqual(['set-information', 'rundown-session']);
    expect(etwRundownOrder(7601, true)).toEqual(['rundown-session']);
    expect(etwRundownOrder(19041, false)).toEqual([]);
    expect(config({}).rundown).toEqual(['set-information', 'rundown-session']);
    expect(config({ rundown: false }).rundown).toEqual([]);
  });
});

describe('bad options', () => {
  it.each([
    [{ classes: [] }, /classes must be a non-empty array/],
    [{ classes: ['disk'] }, /classes\[\] must be 'process', .* or 'registry', got 'disk'/],
    [{ buffers: { sizeKb: 2048 } }, /buffers.sizeKb must be an integer in 4..1024, got 2048/],
    [{ buffers: { minimum: 64, maximum: 8 } }, /buffers.maximum must be at least buffers.minimum \(64\), got 8/],
    [{ session: 'global' }, /session must be 'auto', 'kernel-logger' or 'private', got 'global'/],
    [{ rundown: 1 }, /rundown must be true or false, got 1/],
    [{ sessionName: '' }, /sessionName must be a non-empty string/],
  ])('%j is refused with EINVAL_ARGUMENT', (options, message) => {
    let error: unknown;
    try {
      etwLiveOptions(options as never, 'etw.live()');
    } catch (e) {
      error = e;
    }
    expect(isKwireError(error, 'EINVAL_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/^etw\.live\(\): /);
    expect((error as Error).message).toMatch(message);
  });
});
