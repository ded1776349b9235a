import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppState } from '../src/lib/app.svelte';
import { FakeHost } from '../src/lib/host.fake';
import { MONDAY_10AM } from './helpers';

afterEach(() => vi.useRealTimers());

/** How many times the shared clock moves over `ms` of (fake) time. */
async function ticksOver(app: AppState, ms: number): Promise<number> {
  let ticks = 0;
  let last = app.now;
  for (let t = 0; t < ms; t += 250) {
    await vi.advanceTimersByTimeAsync(250);
    if (app.now !== last) ticks++;
    last = app.now;
  }
  return ticks;
}

describe('the clock', () => {
  it('an idle window wakes once a minute, on the whole minute of the server clock', async () => {
    vi.useFakeTimers({ now: new Date(MONDAY_10AM.getTime() + 20_000) });
    const app = new AppState(new FakeHost({ demo: false }));
    await app.start();
    await vi.advanceTimersByTimeAsync(40_010);
    expect(new Date(app.now).getUTCSeconds()).toBe(0);
    expect(await ticksOver(app, 10 * 60_000)).toBe(10);
    app.stop();
  });

  it('a countdown on screen makes it tick every second, until it is gone', async () => {
    vi.useFakeTimers({ now: new Date(MONDAY_10AM.getTime() + 500) });
    const app = new AppState(new FakeHost({ demo: false }));
    await app.start();
    const release = app.holdSecondsTick();
    expect(await ticksOver(app, 60_000)).toBe(60);
    release();
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await ticksOver(app, 5 * 60_000)).toBe(5);
    app.stop();
  });
});
